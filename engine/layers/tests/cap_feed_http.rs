//! CAP alerts from an Atom feed over real HTTP: Python's `http.server` serves a feed (written
//! here) whose entries link to the shared CAP files, embed one, and link to one that is not
//! there. A poll gives every alert, read the same as from the file, and the missing one as an
//! error naming it; the next poll gives nothing new; an entry added to the feed comes through.
#![allow(clippy::unwrap_used)] // tests: a panic is the failure report.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use city_layers::{CapAlert, CapFeedPoller};

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn serve(dir: &std::path::Path, port: u16) -> Server {
    // Wrapped at once: dropping the guard kills and waits for the server.
    let server = Command::new("python3")
        .args(["-m", "http.server", &port.to_string(), "--bind", "127.0.0.1"])
        .current_dir(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map(Server)
        .unwrap_or_else(|e| panic!("python3 -m http.server: {e} (install python3)"));
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return server;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("http.server did not listen on {port}");
}

fn entry_linking(id: &str, href: &str) -> String {
    format!(
        "<entry><id>{id}</id><updated>2026-11-30T10:00:00Z</updated><title>{id}</title>\
         <link rel=\"alternate\" type=\"application/cap+xml\" href=\"{href}\"/></entry>\n"
    )
}

fn feed(entries: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">\n<title>test hub</title>\n{entries}</feed>\n"
    )
}

#[test]
fn an_atom_feed_of_cap_alerts_polled_over_http() {
    let cap = city_core::shared_data_file("emergency/cap").unwrap_or_else(|e| panic!("{e}"));
    let dir = std::env::temp_dir().join(format!("citytwin-capfeed-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("alerts")).unwrap();
    let linked =
        ["v1dot2_appendix_adot1.xml", "ipaws-5e6dd964023f1930ef638846.xml", "nws-5c2cf27b1f56885d61654dc47fa411d5.xml"];
    for f in linked {
        std::fs::copy(cap.join(f), dir.join("alerts").join(f)).unwrap();
    }
    // One alert carried inside its entry (without its XML declaration).
    let embedded_file = cap.join("v1dot2_appendix_adot3.xml");
    let embedded_text = std::fs::read_to_string(&embedded_file).unwrap();
    let embedded_xml = embedded_text
        .trim_start()
        .strip_prefix("<?xml")
        .map_or(embedded_text.as_str(), |r| &r[r.find("?>").unwrap() + 2..]);
    let mut entries: String =
        linked.iter().map(|f| entry_linking(&format!("urn:{f}"), &format!("alerts/{f}"))).collect();
    entries.push_str(&format!(
        "<entry><id>urn:embedded</id><content type=\"application/cap+xml\">{embedded_xml}</content></entry>\n"
    ));
    entries.push_str(&entry_linking("urn:gone", "alerts/not-there.xml"));
    std::fs::write(dir.join("feed.xml"), feed(&entries)).unwrap();

    let port = free_port();
    let _server = serve(&dir, port);
    let url = format!("http://127.0.0.1:{port}/feed.xml");
    let mut poller = CapFeedPoller::new(&url, Duration::from_secs(10));
    let got = poller.poll().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(got.len(), 5, "{got:?}");
    // Oldest entry first: the feed's order reversed.
    assert_eq!(got[0].entry, "urn:gone");
    let err = got[0].alert.as_ref().unwrap_err().to_string();
    assert!(err.contains("not-there.xml") && err.contains("404"), "{err}");
    let expected: Vec<CapAlert> = std::iter::once(embedded_file)
        .chain(linked.iter().rev().map(|f| cap.join(f)))
        .map(|p| CapAlert::read(&p).unwrap())
        .collect();
    for (g, want) in got[1..].iter().zip(&expected) {
        let alert = g.alert.as_ref().unwrap_or_else(|e| panic!("{}: {e}", g.entry));
        assert_eq!(alert.infos, want.infos, "{}", g.entry);
        assert_eq!((&alert.identifier, &alert.sender), (&want.identifier, &want.sender));
    }
    assert!(poller.poll().unwrap().is_empty(), "nothing new on the second poll");

    // A new entry arrives in the feed.
    std::fs::copy(cap.join("v1dot2_appendix_adot2.xml"), dir.join("alerts/new.xml")).unwrap();
    entries.insert_str(0, &entry_linking("urn:new", "/alerts/new.xml"));
    std::fs::write(dir.join("feed.xml"), feed(&entries)).unwrap();
    let got = poller.poll().unwrap();
    assert_eq!(got.len(), 1);
    assert_eq!(
        got[0].alert.as_ref().unwrap().identifier,
        CapAlert::read(&cap.join("v1dot2_appendix_adot2.xml")).unwrap().identifier
    );

    // A feed that is not there, and a page that is not a feed.
    let err =
        CapFeedPoller::new(&format!("http://127.0.0.1:{port}/nope.xml"), Duration::from_secs(5)).poll().unwrap_err();
    assert!(err.to_string().contains("nope.xml") && err.to_string().contains("404"), "{err}");
    let err = CapFeedPoller::new(&format!("http://127.0.0.1:{port}/alerts/new.xml"), Duration::from_secs(5))
        .poll()
        .unwrap_err();
    assert!(err.to_string().contains("not an Atom or RSS feed"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}
