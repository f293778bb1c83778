//! Open-model load test of the local stack. Arrivals come at a fixed rate whatever the answers'
//! speed (as voters do at the opening), for a bounded time, and are of three kinds: a voter asking
//! for the activation mail (the opening rush), a voter logging in and reading their ballots, and a
//! voter already in reading their ballots and the ministry-wide electoral list. Reports latency
//! percentiles per route and checks that every activation accepted produced its mail. Only
//! addresses of this machine are accepted as targets.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use clap::Parser;
use serde_json::{json, Value};
use shared::model::{Civility, RollVoter};
use shared::ports::Roll;
use store_dynamodb::DynamoStore;

#[derive(Parser)]
#[command(about = "Load test of the local espace-electeur stack (loopback only).")]
struct Args {
    /// Base URL of the API.
    #[arg(long, env = "API_BASE_URL", default_value = "http://127.0.0.1:9000")]
    api: String,
    /// Base URL of the SES emulator (to count the mails sent).
    #[arg(long, env = "SES_BASE_URL", default_value = "http://127.0.0.1:8005")]
    ses: String,
    /// Arrivals per second.
    #[arg(long, default_value_t = 120.0)]
    rate: f64,
    /// Duration of the load, in seconds (at most 600).
    #[arg(long, default_value_t = 30)]
    seconds: u64,
    /// Voters activated before the load starts, who log in and browse during it.
    #[arg(long, default_value_t = 16)]
    returning: usize,
    /// Arrivals allowed in flight at once; an arrival beyond it is counted as dropped by the
    /// client. At most EMULATOR_QUEUE_LIMIT (see there).
    #[arg(long, default_value_t = EMULATOR_QUEUE_LIMIT)]
    max_in_flight: usize,
    /// The processes of the local stack, one "PID NAME" line each, as scripts/lib.sh lists them
    /// (NAME `fn#i` for an instance of function fn): their CPU during the run is reported per
    /// function and per service. Missing: no CPU report.
    #[arg(long, env = "STACK_PIDS", default_value = ".run/pids")]
    pids: String,
    /// Instead of the load: N probes, one at a time, of each route behind the response floor
    /// (activate, login, réassort) with identifiers on the roll and not, alternated, and their
    /// latencies side by side: run on a stack started with RESPONSE_FLOOR_MS=0, it measures the
    /// spread the floor has to hide (docs/security.md).
    #[arg(long, default_value_t = 0)]
    spread: usize,
}

/// cargo lambda watch (1.9.2) queues at most 100 requests per function; past that it stops
/// answering anything, for good (docs/load.md). The client never has more arrivals in flight than
/// this, so an overload shows up as dropped arrivals instead of a hung stack.
const EMULATOR_QUEUE_LIMIT: usize = 96;

/// The load voters' password and secret answer: neither may hold their names nor their identifier
/// (`charge.…@…`, Camille ChargeX), as the portal's rules require.
const PASSWORD: &str = "une phrase de passe pour le banc de mesure";
const ANSWER: &str = "Médor le chien";
const BALLOTS: [&str; 3] = ["CSA-MEN", "CSA-ACA-VERSAILLES", "CAPN-CERTIFIES"];

fn loopback(url: &str) -> bool {
    ["http://127.", "http://localhost:", "http://[::1]:"].iter().any(|p| url.starts_with(p))
}

struct Sample {
    route: &'static str,
    ok: bool,
    millis: f64,
}

type Samples = Arc<Mutex<Vec<Sample>>>;

struct Client {
    http: reqwest::Client,
    api: String,
    samples: Samples,
}

impl Client {
    /// Sends one request, records it under `route`, and returns the status, the session cookie
    /// value if one was set, and the body.
    async fn call(
        &self,
        route: &'static str,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
        cookie: Option<&str>,
        expect: u16,
    ) -> (u16, Option<String>, Value) {
        let mut req = self.http.request(method, format!("{}{}", self.api, path));
        if let Some(b) = body {
            req = req.json(&b);
        }
        if let Some(c) = cookie {
            req = req.header("cookie", format!("{}={c}", lambda_edge::http::SESSION_COOKIE));
        }
        let start = Instant::now();
        let result = req.send().await;
        let (status, cookie, body) = match result {
            Ok(resp) => {
                let status = resp.status().as_u16();
                let cookie = resp
                    .headers()
                    .get_all("set-cookie")
                    .iter()
                    .filter_map(|v| v.to_str().ok())
                    .find_map(|v| {
                        v.strip_prefix(&format!("{}=", lambda_edge::http::SESSION_COOKIE))
                            .map(|r| r.split(';').next().unwrap_or("").to_string())
                    });
                let body = resp.json::<Value>().await.unwrap_or(Value::Null);
                (status, cookie, body)
            }
            Err(_) => (0, None, Value::Null),
        };
        let millis = start.elapsed().as_secs_f64() * 1000.0;
        self.samples.lock().expect("samples").push(Sample { route, ok: status == expect, millis });
        (status, cookie, body)
    }
}

fn voter(run: &str, kind: &str, i: usize) -> RollVoter {
    RollVoter {
        voter_id: format!("L{run}{kind}{i}"),
        email: format!("charge.{kind}{i}.{run}@ac-versailles.fr").to_lowercase(),
        civility: if i % 2 == 0 { Civility::Mme } else { Civility::M },
        first_name: "Camille".into(),
        last_name: format!("Charge{}", (b'A' + (i % 26) as u8) as char),
        scrutins: BALLOTS.iter().map(|s| s.to_string()).collect(),
    }
}

async fn seed(store: &DynamoStore, voters: &[RollVoter]) -> Result<()> {
    let mut tasks = tokio::task::JoinSet::new();
    for chunk in voters.chunks(voters.len().div_ceil(8).max(1)) {
        let store = store.clone();
        let chunk = chunk.to_vec();
        tasks.spawn(async move {
            for v in &chunk {
                store.put_roll_voter(v).await.with_context(|| format!("seeding {}", v.voter_id))?;
            }
            Ok::<_, anyhow::Error>(())
        });
    }
    while let Some(r) = tasks.join_next().await {
        r??;
    }
    Ok(())
}

/// The mails sent since `since` (epoch seconds), as (recipient, text).
async fn mails_since(
    http: &reqwest::Client,
    ses: &str,
    since: u64,
) -> Result<Vec<(String, String)>> {
    let store: Value = http.get(format!("{ses}/store?since={since}")).send().await?.json().await?;
    Ok(store["emails"]
        .as_array()
        .map(|all| {
            all.iter()
                .flat_map(|m| {
                    let text = m["body"]["text"].as_str().unwrap_or("").to_string();
                    m["destination"]["to"]
                        .as_array()
                        .cloned()
                        .unwrap_or_default()
                        .into_iter()
                        .filter_map(move |to| to.as_str().map(|t| (t.to_lowercase(), text.clone())))
                })
                .collect()
        })
        .unwrap_or_default())
}

/// Activates a voter through the API as a person would, and returns a session cookie value.
async fn activate_fully(client: &Client, ses: &str, since: u64, v: &RollVoter) -> Result<String> {
    let (s, _, _) = client
        .call(
            "setup",
            reqwest::Method::POST,
            "/api/activate",
            Some(json!({ "identifier": v.email })),
            None,
            202,
        )
        .await;
    if s != 202 {
        bail!("activation request for {} answered {s}", v.email);
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    let text = loop {
        if let Some((_, text)) =
            mails_since(&client.http, ses, since).await?.into_iter().find(|(to, _)| *to == v.email)
        {
            break text;
        }
        if Instant::now() > deadline {
            bail!("no activation mail for {} within 30 s", v.email);
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let token = text
        .split("token=")
        .nth(1)
        .and_then(|r| r.split('&').next())
        .context("no token in the mail")?
        .to_string();
    let ids = json!({ "voter_id": v.voter_id, "token": token });
    let mut pw = ids.clone();
    pw["password"] = json!(PASSWORD);
    client.call("setup", reqwest::Method::POST, "/api/password", Some(pw), None, 200).await;
    let mut act = ids;
    act["question_id"] = json!(1);
    act["answer"] = json!(ANSWER);
    let (s, cookie, _) = client
        .call("setup", reqwest::Method::POST, "/api/activate-account", Some(act), None, 201)
        .await;
    match (s, cookie) {
        (201, Some(c)) => Ok(c),
        (s, _) => bail!("activate-account for {} answered {s}", v.email),
    }
}

/// The function that serves a route of the load (the route table of Cargo.toml).
fn function_of(route: &str) -> Option<&'static str> {
    match route {
        "POST /api/activate" => Some("activate"),
        "POST /api/login" => Some("login"),
        "GET /api/scrutins" | "GET /api/scrutins/{id}/electeurs" => Some("list-scrutins"),
        _ => None, // the set-up before the load
    }
}

/// CPU time, in clock ticks of 1/100 s (the kernel's USER_HZ), used so far by every live process,
/// summed per session: the scripts start each service, and each function instance, in a session
/// of its own, so a session holds a service with whatever it spawned (cargo, then cargo-lambda).
fn cpu_ticks_by_session() -> HashMap<u32, u64> {
    let mut out = HashMap::new();
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return out;
    };
    for entry in dir.flatten() {
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        // Fields after the command (in parentheses, may hold spaces): state ppid pgrp session ...
        let Some((_, rest)) = stat.rsplit_once(')') else {
            continue;
        };
        let f: Vec<&str> = rest.split_whitespace().collect();
        let num = |i: usize| f.get(i).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
        // session (field 6), utime (14), stime (15)
        *out.entry(num(3) as u32).or_insert(0) += num(11) + num(12);
    }
    out
}

/// The stack's services and instances, by session (its leader's pid), from the pids file.
/// CPU time this process used so far (all its threads), from /proc/self/stat.
fn own_cpu() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let ticks: u64 = stat
        .rsplit_once(')')
        .map(|(_, rest)| {
            let f: Vec<&str> = rest.split_whitespace().collect();
            [11, 12].iter().filter_map(|&i| f.get(i).and_then(|v| v.parse::<u64>().ok())).sum()
        })
        .unwrap_or(0);
    Duration::from_millis(ticks * 10)
}

fn stack_sessions(path: &str) -> Vec<(u32, String)> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| {
            let (pid, name) = l.split_once(' ')?;
            Some((pid.parse().ok()?, name.trim().to_string()))
        })
        .collect()
}

/// Prints where the CPU went between two samples: per function (per request it served) and per
/// service, and the run's CPU per arrival of the functions alone, from which the machine's limit
/// for this mix follows.
fn report_cpu(
    sessions: &[(u32, String)],
    before: &HashMap<u32, u64>,
    after: &HashMap<u32, u64>,
    requests: &BTreeMap<&str, usize>,
    arrivals: usize,
    elapsed: f64,
    own_cpu: Duration,
) {
    let mut by_name: BTreeMap<String, f64> = BTreeMap::new();
    for (sid, name) in sessions {
        let used = after.get(sid).unwrap_or(&0).saturating_sub(*before.get(sid).unwrap_or(&0));
        let group = match name.split_once('#') {
            Some((function, _)) => format!("function {function}"),
            // lib.sh's name of `cargo lambda watch`, the router of the local API
            None if name == "functions" => "router (cargo lambda watch)".to_string(),
            None => name.clone(),
        };
        *by_name.entry(group).or_insert(0.0) += used as f64 * 10.0; // ms
    }
    by_name.insert("load tool".into(), own_cpu.as_secs_f64() * 1000.0);
    println!();
    println!("CPU during the run (kernel accounting, 10 ms ticks), {elapsed:.1} s:");
    println!(
        "{:<28} {:>10} {:>8} {:>10} {:>14}",
        "process", "CPU ms", "cores", "requests", "ms a request"
    );
    let mut functions = 0.0;
    for (name, ms) in &by_name {
        let served = name.strip_prefix("function ").map(|f| requests.get(f).copied().unwrap_or(0));
        if name.starts_with("function ") {
            functions += ms;
        }
        match served {
            Some(n) if n > 0 => println!(
                "{:<28} {:>10.0} {:>8.2} {:>10} {:>14.2}",
                name,
                ms,
                ms / 1000.0 / elapsed,
                n,
                ms / n as f64
            ),
            _ => println!("{:<28} {:>10.0} {:>8.2}", name, ms, ms / 1000.0 / elapsed),
        }
    }
    if arrivals > 0 && functions > 0.0 {
        let per_arrival = functions / arrivals as f64;
        println!(
            "functions: {per_arrival:.2} ms of CPU an arrival of this mix; 2 cores hold at most {:.0} arrivals/s of it (emulators, gateway and load tool excluded)",
            2000.0 / per_arrival
        );
    }
}

/// The floored routes probed one request at a time, an identifier on the roll then one that is
/// not, so that both see the same machine; prints each one's latencies and the spread.
async fn spread(
    client: &Client,
    fresh: &[RollVoter],
    returning: &[RollVoter],
    run: &str,
) -> Result<()> {
    for (i, known) in fresh.iter().enumerate() {
        let unknown = format!("absent.{}.{i}@exemple.invalid", run.to_lowercase());
        let back = &returning[i % returning.len()];
        let probes: [(&'static str, &str, Value, u16); 6] = [
            (
                "POST /api/activate on the roll",
                "/api/activate",
                json!({ "identifier": known.email }),
                202,
            ),
            (
                "POST /api/activate not on it",
                "/api/activate",
                json!({ "identifier": unknown }),
                202,
            ),
            (
                "POST /api/login on the roll",
                "/api/login",
                json!({ "identifier": back.email, "password": "pas le bon mot de passe" }),
                401,
            ),
            (
                "POST /api/login not on it",
                "/api/login",
                json!({ "identifier": unknown, "password": "pas le bon mot de passe" }),
                401,
            ),
            (
                "POST /api/reassort on the roll",
                "/api/reassort",
                json!({ "identifier": back.email, "question_id": 2, "answer": "pas la bonne réponse" }),
                202,
            ),
            (
                "POST /api/reassort not on it",
                "/api/reassort",
                json!({ "identifier": unknown, "question_id": 2, "answer": "pas la bonne réponse" }),
                202,
            ),
        ];
        for (route, path, body, expect) in probes {
            client.call(route, reqwest::Method::POST, path, Some(body), None, expect).await;
        }
    }
    let all = std::mem::take(&mut *client.samples.lock().expect("samples"));
    let mut by_route: BTreeMap<&str, Vec<f64>> = BTreeMap::new();
    let mut errors = 0;
    for s in &all {
        errors += usize::from(!s.ok);
        by_route.entry(s.route).or_default().push(s.millis);
    }
    println!();
    println!(
        "{:<34} {:>6} {:>8} {:>8} {:>8} {:>8}",
        "probe (one at a time)", "count", "p50 ms", "p90 ms", "p99 ms", "max ms"
    );
    for (route, ms) in &mut by_route {
        ms.sort_by(|a, b| a.total_cmp(b));
        println!(
            "{:<34} {:>6} {:>8.1} {:>8.1} {:>8.1} {:>8.1}",
            route,
            ms.len(),
            percentile(ms, 50.0),
            percentile(ms, 90.0),
            percentile(ms, 99.0),
            ms.last().copied().unwrap_or(0.0)
        );
    }
    if errors > 0 {
        bail!("{errors} unexpected answers");
    }
    Ok(())
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * (sorted.len() as f64 - 1.0)).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

#[tokio::main]
async fn main() -> Result<()> {
    let args = Args::parse();
    if !loopback(&args.api) || !loopback(&args.ses) {
        bail!("the load test only targets this machine (127.0.0.1, localhost, [::1])");
    }
    if !(args.rate > 0.0 && args.rate <= 2000.0) || args.seconds == 0 || args.seconds > 600 {
        bail!("rate must be in (0, 2000] per second and seconds in [1, 600]");
    }
    if args.max_in_flight == 0 || args.max_in_flight > EMULATOR_QUEUE_LIMIT {
        bail!("max-in-flight must be in [1, {EMULATOR_QUEUE_LIMIT}]: beyond it the local emulator (cargo lambda watch) deadlocks");
    }
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(60))
        .pool_max_idle_per_host(256)
        .build()?;
    let samples: Samples = Arc::new(Mutex::new(Vec::new()));
    let client = Arc::new(Client {
        http: http.clone(),
        api: args.api.trim_end_matches('/').to_string(),
        samples: samples.clone(),
    });
    let run: String = {
        use rand::Rng;
        let mut rng = rand::thread_rng();
        (0..6).map(|_| (b'A' + rng.gen_range(0..26)) as char).collect()
    };
    let since = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_secs();

    // --- set-up: voters on the roll, some of them activated -------------------------------
    let arrivals = (args.rate * args.seconds as f64).ceil() as usize;
    let arrivals = if args.spread > 0 { args.spread } else { arrivals };
    let fresh: Vec<RollVoter> = (0..arrivals).map(|i| voter(&run, "n", i)).collect();
    let returning: Vec<RollVoter> =
        (0..args.returning.max(1)).map(|i| voter(&run, "r", i)).collect();
    let store = DynamoStore::from_env().await?;
    let t = Instant::now();
    seed(&store, &fresh).await?;
    seed(&store, &returning).await?;
    println!(
        "seeded {} voters in {:.1} s",
        fresh.len() + returning.len(),
        t.elapsed().as_secs_f64()
    );
    let mut sessions = Vec::new();
    for v in &returning {
        sessions.push(activate_fully(&client, &args.ses, since, v).await?);
    }
    println!("activated {} returning voters through the API", sessions.len());
    samples.lock().expect("samples").clear();
    if args.spread > 0 {
        return spread(&client, &fresh, &returning, &run).await;
    }
    let sessions = Arc::new(sessions);
    let returning = Arc::new(returning);

    // --- the load: one arrival every 1/rate s, whatever the answers' speed ----------------
    let limiter = Arc::new(tokio::sync::Semaphore::new(args.max_in_flight));
    let mut ticker = tokio::time::interval(Duration::from_secs_f64(1.0 / args.rate));
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let mut tasks = tokio::task::JoinSet::new();
    let (mut dropped, mut activations_sent) = (0usize, 0usize);
    let stack = stack_sessions(&args.pids);
    let cpu_before = cpu_ticks_by_session();
    let own_before = own_cpu();
    let started = Instant::now();
    let deadline = started + Duration::from_secs(args.seconds);
    let mut i = 0usize;
    while Instant::now() < deadline {
        ticker.tick().await;
        let Ok(permit) = limiter.clone().try_acquire_owned() else {
            dropped += 1;
            continue;
        };
        let client = client.clone();
        let kind = i % 10;
        match kind {
            // 40 %: the opening rush, each a voter asking once
            0..=3 => {
                let v = fresh[activations_sent].clone();
                activations_sent += 1;
                tasks.spawn(async move {
                    client
                        .call(
                            "POST /api/activate",
                            reqwest::Method::POST,
                            "/api/activate",
                            Some(json!({ "identifier": v.email })),
                            None,
                            202,
                        )
                        .await;
                    drop(permit);
                });
            }
            // 30 %: a returning voter logs in and reads their ballots
            4..=6 => {
                let v = returning[i % returning.len()].clone();
                tasks.spawn(async move {
                    let (_, cookie, _) = client
                        .call(
                            "POST /api/login",
                            reqwest::Method::POST,
                            "/api/login",
                            Some(json!({ "identifier": v.email, "password": PASSWORD })),
                            None,
                            200,
                        )
                        .await;
                    if let Some(c) = cookie {
                        client
                            .call(
                                "GET /api/scrutins",
                                reqwest::Method::GET,
                                "/api/scrutins",
                                None,
                                Some(&c),
                                200,
                            )
                            .await;
                    }
                    drop(permit);
                });
            }
            // 30 %: a voter already in reads ballots and the ministry-wide electoral list
            _ => {
                let c = sessions[i % sessions.len()].clone();
                tasks.spawn(async move {
                    client
                        .call(
                            "GET /api/scrutins",
                            reqwest::Method::GET,
                            "/api/scrutins",
                            None,
                            Some(&c),
                            200,
                        )
                        .await;
                    client
                        .call(
                            "GET /api/scrutins/{id}/electeurs",
                            reqwest::Method::GET,
                            "/api/scrutins/CSA-MEN/electeurs?limit=50",
                            None,
                            Some(&c),
                            200,
                        )
                        .await;
                    drop(permit);
                });
            }
        }
        i += 1;
    }
    let offered = started.elapsed().as_secs_f64();
    let drain = tokio::time::timeout(Duration::from_secs(120), async {
        while tasks.join_next().await.is_some() {}
    })
    .await;
    let elapsed = started.elapsed().as_secs_f64();
    let cpu_after = cpu_ticks_by_session();
    let own_during = own_cpu().saturating_sub(own_before);

    // --- every accepted activation must have produced its mail -----------------------------
    let wanted: HashSet<String> =
        fresh[..activations_sent].iter().map(|v| v.email.clone()).collect();
    let mail_deadline = Instant::now() + Duration::from_secs(60);
    let mut delivered = 0;
    loop {
        let got: HashSet<String> = mails_since(&http, &args.ses, since)
            .await?
            .into_iter()
            .map(|(to, _)| to)
            .filter(|to| wanted.contains(to))
            .collect();
        delivered = got.len().max(delivered);
        if delivered == wanted.len() || Instant::now() > mail_deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }

    // --- report ----------------------------------------------------------------------------
    let all = std::mem::take(&mut *samples.lock().expect("samples"));
    let mut by_route: BTreeMap<&str, Vec<&Sample>> = BTreeMap::new();
    for s in &all {
        by_route.entry(s.route).or_default().push(s);
    }
    println!();
    println!(
        "offered {} arrivals at {:.0}/s for {:.1} s ({} sent, {} dropped by the client with {} already in flight); all answered after {:.1} s",
        i + dropped,
        args.rate,
        offered,
        i,
        dropped,
        args.max_in_flight,
        elapsed
    );
    println!(
        "{:<36} {:>7} {:>7} {:>9} {:>9} {:>9} {:>9}",
        "route", "count", "errors", "p50 ms", "p95 ms", "p99 ms", "max ms"
    );
    let mut errors = 0;
    for (route, list) in &by_route {
        let mut ms: Vec<f64> = list.iter().map(|s| s.millis).collect();
        ms.sort_by(|a, b| a.total_cmp(b));
        let bad = list.iter().filter(|s| !s.ok).count();
        errors += bad;
        println!(
            "{:<36} {:>7} {:>7} {:>9.0} {:>9.0} {:>9.0} {:>9.0}",
            route,
            list.len(),
            bad,
            percentile(&ms, 50.0),
            percentile(&ms, 95.0),
            percentile(&ms, 99.0),
            ms.last().copied().unwrap_or(0.0)
        );
    }
    println!(
        "requests completed: {} ({:.1}/s over the whole run)",
        all.len(),
        all.len() as f64 / elapsed
    );
    println!("activation mails delivered: {delivered} of {}", wanted.len());
    if !stack.is_empty() {
        let mut requests: BTreeMap<&str, usize> = BTreeMap::new();
        for (route, list) in &by_route {
            if let Some(function) = function_of(route) {
                *requests.entry(function).or_insert(0) += list.len();
            }
        }
        report_cpu(&stack, &cpu_before, &cpu_after, &requests, i, elapsed, own_during);
    }
    if drain.is_err() {
        bail!("requests still in flight 120 s after the end of the load");
    }
    if errors > 0 || delivered < wanted.len() || dropped > 0 {
        bail!(
            "{errors} unexpected answers, {} mails missing, {dropped} arrivals dropped",
            wanted.len() - delivered
        );
    }
    println!("no error, no mail lost");
    Ok(())
}
