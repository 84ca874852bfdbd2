//! CAP from HTTP(S): the Atom and RSS feeds that national alert hubs publish (NWS, MeteoAlarm,
//! the WMO alert hub), polled at an interval. Each entry either embeds its `<alert>` or links
//! to it (a `link` whose type says CAP, else the alternate link, else RSS's `<link>`); linked
//! alerts are fetched. Entries are remembered by id and `updated`, so a poll returns only what
//! is new or changed. One bad entry (a link that fails, XML that is not CAP) is reported with the
//! feed and the entry and the others still come through.
use std::collections::HashSet;
use std::time::Duration;

use crate::xml_tree::{XmlElement, parse_xml};
use crate::{CapAlert, LayerError};

/// A feed or alert larger than this is refused: a feed, not a disk image.
const MAX_BYTES: u64 = 16 << 20;

/// One entry of a feed.
#[derive(Debug, Clone, PartialEq)]
pub struct FeedEntry {
    /// Atom `id`, RSS `guid`, else the link.
    pub id: String,
    /// Atom `updated` / RSS `pubDate` as written (a changed entry is read again).
    pub updated: String,
    /// Where its alert is, resolved against the feed's URL.
    pub link: Option<String>,
    /// The alert when the entry carries it.
    pub embedded: Option<XmlElement>,
    /// The line the entry starts on.
    pub line: usize,
}

/// Reads the entries of an Atom or RSS document; `url` resolves relative links and names the
/// feed in messages.
pub fn parse_feed(text: &str, url: &str) -> Result<Vec<FeedEntry>, LayerError> {
    let fail = |line: usize, reason: String| LayerError::File {
        file: url.to_owned(),
        reason: format!("line {line}: {reason}"),
    };
    let root = parse_xml(text).map_err(|(line, e)| fail(line, e))?;
    let items: Vec<&XmlElement> = match root.name.as_str() {
        "feed" => root.children_named("entry").collect(),
        "rss" => root.child("channel").map(|c| c.children_named("item").collect()).unwrap_or_default(),
        "RDF" => root.children_named("item").collect(),
        other => return Err(fail(root.line, format!("not an Atom or RSS feed: the root is <{other}>"))),
    };
    Ok(items
        .into_iter()
        .map(|e| {
            let links: Vec<&XmlElement> = e.children_named("link").collect();
            let is_cap = |l: &&&XmlElement| l.attr("type").is_some_and(|t| t.contains("cap"));
            let alternate = |l: &&&XmlElement| l.attr("rel").is_none_or(|r| r == "alternate");
            let href = links.iter().find(is_cap).or_else(|| links.iter().find(alternate)).and_then(|l| {
                l.attr("href").map(str::to_owned).or_else(|| Some(l.text.clone()).filter(|t| !t.is_empty()))
            });
            let link = href.map(|h| resolve(url, &h));
            let id = e.text_of("id").or_else(|| e.text_of("guid")).map(str::to_owned).or_else(|| link.clone());
            FeedEntry {
                id: id.unwrap_or_else(|| format!("line {}", e.line)),
                updated: e.text_of("updated").or_else(|| e.text_of("pubDate")).unwrap_or_default().to_owned(),
                link,
                embedded: e.find("alert").cloned(),
                line: e.line,
            }
        })
        .collect())
}

/// `href` against the document at `base`: absolute URLs as they are, `/path` on the same
/// host, others beside the document.
fn resolve(base: &str, href: &str) -> String {
    if href.contains("://") {
        return href.to_owned();
    }
    let after_scheme = base.find("://").map_or(0, |i| i + 3);
    if let Some(rest) = href.strip_prefix('/') {
        let host_end = base[after_scheme..].find('/').map_or(base.len(), |i| after_scheme + i);
        return format!("{}/{rest}", &base[..host_end]);
    }
    let dir_end = base.rfind('/').filter(|i| *i >= after_scheme).map_or(base.len(), |i| i + 1);
    format!("{}{href}", &base[..dir_end])
}

/// What one entry gave.
#[derive(Debug)]
pub struct FeedAlert {
    /// The entry's id.
    pub entry: String,
    /// Its alert, or why not.
    pub alert: Result<CapAlert, LayerError>,
}

/// Polls one feed.
pub struct CapFeedPoller {
    /// The feed's URL.
    pub url: String,
    agent: ureq::Agent,
    seen: HashSet<(String, String)>,
}

impl CapFeedPoller {
    /// A poller for `url`; each request gives up after `timeout`.
    pub fn new(url: &str, timeout: Duration) -> Self {
        let agent =
            ureq::Agent::config_builder().timeout_global(Some(timeout)).http_status_as_error(false).build().into();
        Self { url: url.to_owned(), agent, seen: HashSet::new() }
    }

    fn get(&self, url: &str) -> Result<String, LayerError> {
        let fail = |reason: String| LayerError::File { file: url.to_owned(), reason };
        let mut response = self.agent.get(url).call().map_err(|e| fail(e.to_string()))?;
        if !response.status().is_success() {
            return Err(fail(format!("HTTP {}", response.status())));
        }
        response.body_mut().with_config().limit(MAX_BYTES).read_to_string().map_err(|e| fail(e.to_string()))
    }

    /// Fetches the feed and the alerts of its new or changed entries, oldest entry first (feeds
    /// list the newest first). A feed that cannot be fetched or read is an error; a bad entry
    /// is one `FeedAlert` with its error, and is not asked for again until it changes.
    pub fn poll(&mut self) -> Result<Vec<FeedAlert>, LayerError> {
        let text = self.get(&self.url)?;
        let mut entries = parse_feed(&text, &self.url)?;
        entries.reverse();
        let mut out = Vec::new();
        for e in entries {
            if !self.seen.insert((e.id.clone(), e.updated.clone())) {
                continue;
            }
            let name = format!("{} (entry {:?}, line {})", self.url, e.id, e.line);
            let alert = match (&e.embedded, &e.link) {
                (Some(el), _) => CapAlert::from_element(el, &name),
                (None, Some(link)) => self.get(link).and_then(|t| CapAlert::parse(&t, link)),
                (None, None) => {
                    Err(LayerError::File { file: name, reason: "the entry has no alert and no link".into() })
                }
            };
            out.push(FeedAlert { entry: e.id, alert });
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_resolve_like_a_browser() {
        let base = "https://alerts.example.org/feeds/cap/atom.xml";
        assert_eq!(resolve(base, "a/1.xml"), "https://alerts.example.org/feeds/cap/a/1.xml");
        assert_eq!(resolve(base, "/x.xml"), "https://alerts.example.org/x.xml");
        assert_eq!(resolve(base, "http://o.org/y"), "http://o.org/y");
    }

    #[test]
    fn atom_rss_and_broken_feeds() {
        let atom = r#"<?xml version="1.0"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <entry><id>urn:1</id><updated>2026-01-01T00:00:00Z</updated>
    <link rel="alternate" type="text/html" href="page.html"/>
    <link rel="alternate" type="application/cap+xml" href="cap/1.xml"/></entry>
  <entry><id>urn:2</id><content type="application/cap+xml">
    <cap:alert xmlns:cap="urn:oasis:names:tc:emergency:cap:1.2"><cap:identifier>X</cap:identifier></cap:alert>
  </content></entry>
</feed>"#;
        let e = parse_feed(atom, "http://h/feed.xml").unwrap();
        assert_eq!(e.len(), 2);
        assert_eq!(e[0].link.as_deref(), Some("http://h/cap/1.xml"));
        let alert = e[1].embedded.as_ref().unwrap();
        assert_eq!(alert.xmlns.as_deref(), Some("urn:oasis:names:tc:emergency:cap:1.2"));
        assert_eq!(alert.text_of("identifier"), Some("X"));
        let rss = "<rss><channel><item><guid>g1</guid><link>http://h/a.xml</link></item></channel></rss>";
        let e = parse_feed(rss, "http://h/rss").unwrap();
        assert_eq!((e[0].id.as_str(), e[0].link.as_deref()), ("g1", Some("http://h/a.xml")));
        let err = parse_feed("<html>\n<body/></html>", "http://h/x").unwrap_err().to_string();
        assert!(err.contains("http://h/x") && err.contains("not an Atom or RSS"), "{err}");
    }
}
