//! CPU and memory of the portal's argon2id hashing, for `scripts/bench.sh`: hashes N times with the
//! project's parameters, each hash on a thread of its own as the functions hash on tokio's
//! blocking threads, and prints one JSON line with the CPU time per hash (the hashing thread's
//! own, from the kernel's scheduler statistics) and the process's peak resident memory.
//!
//! `cargo run --release -p shared --example argon2_bench -- MODE N`, MODE one of
//! - `buffer`: `shared::secrets::hash_blocking`, into the buffer kept per instance;
//! - `alloc`: the argon2 crate's `PasswordHasher::hash_password`, which allocates its 19 MiB every
//!   time (what the portal did before).

use argon2::password_hash::{rand_core::OsRng, PasswordHasher, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use shared::secrets::{hash_blocking, ITERATIONS, MEMORY_KIB, PARALLELISM};

/// Nanoseconds this thread ran, from /proc/thread-self/schedstat.
fn thread_cpu_ns() -> u64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next().and_then(|n| n.parse().ok()))
        .unwrap_or(0)
}

/// A line of /proc/self/status in kB (VmHWM: peak resident memory; VmRSS: now).
fn status_kb(key: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with(key))
        .and_then(|l| l.split_whitespace().nth(1).and_then(|n| n.parse().ok()))
        .unwrap_or(0)
}

fn main() {
    let mut args = std::env::args().skip(1);
    let mode = args.next().unwrap_or_else(|| "buffer".into());
    let n: u32 = args.next().and_then(|n| n.parse().ok()).unwrap_or(20);
    let argon = Argon2::new(
        Algorithm::Argon2id,
        Version::V0x13,
        Params::new(MEMORY_KIB, ITERATIONS, PARALLELISM, None).expect("parameters"),
    );
    let mut rss_after_one = 0;
    let mut cpu_ns = 0;
    for i in 0..n {
        let secret = format!("une phrase de passe numéro {i}");
        cpu_ns += std::thread::scope(|scope| {
            scope
                .spawn(|| {
                    let start = thread_cpu_ns();
                    if mode == "alloc" {
                        let salt = SaltString::generate(&mut OsRng);
                        argon.hash_password(secret.as_bytes(), &salt).expect("hash");
                    } else {
                        hash_blocking(&secret).expect("hash");
                    }
                    thread_cpu_ns() - start
                })
                .join()
                .expect("hashing thread")
        });
        if i == 0 {
            rss_after_one = status_kb("VmRSS:");
        }
    }
    let cpu_ms = cpu_ns as f64 / 1e6 / f64::from(n.max(1));
    println!(
        "{{\"mode\":\"{mode}\",\"hashes\":{n},\"cpu_ms_per_hash\":{cpu_ms:.2},\"rss_after_one_kb\":{rss_after_one},\"peak_rss_kb\":{}}}",
        status_kb("VmHWM:")
    );
}
