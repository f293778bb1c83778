//! The local DynamoDB of the tests: the project's emulator (AWS's DynamoDB Local, started through
//! `scripts/DynamoDbLocal.java` as `scripts/lib.sh` starts it) on a free port, and a client for it.
//! Every test that needs DynamoDB starts it through this crate, so that the emulator is chosen in
//! this one place.
//!
//! The jar comes from `DYNAMODB_LOCAL_DIR`, else from `.tools/dynamodb-local` that
//! `scripts/install-tools.sh` installs; `java` from `PATH`.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use aws_sdk_dynamodb::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_dynamodb::Client;

/// The region the test clients name (any region does for the emulator).
pub const REGION: &str = "eu-west-3";

/// The root of the workspace.
pub fn workspace() -> PathBuf {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    here.parent().and_then(Path::parent).expect("workspace root").to_path_buf()
}

fn jar_dir() -> PathBuf {
    match std::env::var_os("DYNAMODB_LOCAL_DIR") {
        Some(p) => PathBuf::from(p),
        None => workspace().join(".tools/dynamodb-local"),
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").expect("bind a free port").local_addr().unwrap().port()
}

/// True once the emulator answers HTTP (a bare GET gets its 400).
fn answers(port: u16) -> bool {
    let Ok(mut stream) =
        TcpStream::connect_timeout(&([127, 0, 0, 1], port).into(), Duration::from_millis(200))
    else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    if stream.write_all(b"GET / HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").is_err() {
        return false;
    }
    let mut head = [0u8; 12];
    stream.read_exact(&mut head).is_ok() && head.starts_with(b"HTTP/1.")
}

/// One emulator, stopped when dropped (or when the test process ends).
pub struct Emulator {
    child: Child,
    /// Held open for the emulator's life: its end tells the emulator to stop.
    _stdin: Option<ChildStdin>,
    port: u16,
}

impl Emulator {
    /// Starts an emulator on a free port and waits until it answers. It ends when its standard
    /// input closes, so it never outlives the test process, even one killed or one whose emulator
    /// is a static that is never dropped.
    pub fn start() -> Emulator {
        let dir = jar_dir();
        let jar = dir.join("DynamoDBLocal.jar");
        assert!(jar.exists(), "{} is missing: run scripts/install-tools.sh first", jar.display());
        for _ in 0..3 {
            let port = free_port();
            let mut child = Command::new("java")
                .arg("-Xmx512m")
                .arg(format!("-Djava.library.path={}", dir.join("DynamoDBLocal_lib").display()))
                .arg("-cp")
                .arg(format!("{}:{}/*", jar.display(), dir.join("DynamoDBLocal_lib").display()))
                .arg(workspace().join("scripts/DynamoDbLocal.java"))
                .args(["127.0.0.1", &port.to_string(), "--stop-on-eof"])
                .stdin(Stdio::piped())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("start the DynamoDB emulator (is java on PATH?)");
            let stdin = child.stdin.take();
            let deadline = Instant::now() + Duration::from_secs(60);
            while Instant::now() < deadline {
                if answers(port) {
                    return Emulator { child, _stdin: stdin, port };
                }
                if child.try_wait().ok().flatten().is_some() {
                    break; // the port was taken meanwhile: another one
                }
                std::thread::sleep(Duration::from_millis(100));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
        panic!("the DynamoDB emulator did not start");
    }

    /// One emulator for the whole test binary, started by the first test that asks for it. Tests
    /// sharing it keep apart by using tables of their own.
    pub fn shared() -> &'static Emulator {
        static SHARED: OnceLock<Emulator> = OnceLock::new();
        SHARED.get_or_init(Emulator::start)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// A DynamoDB client for this emulator, with dummy credentials. Make one per test: a client
    /// keeps connections on the runtime it was first used on.
    pub fn client(&self) -> Client {
        client(&self.endpoint())
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A DynamoDB client for a local endpoint, with dummy credentials and region.
pub fn client(endpoint: &str) -> Client {
    let config = aws_sdk_dynamodb::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(REGION))
        .endpoint_url(endpoint)
        .credentials_provider(Credentials::new("local", "local", None, None, "tests"))
        .build();
    Client::from_conf(config)
}
