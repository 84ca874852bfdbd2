//! CityGML as a stream of members: the file is read event by event (quick-xml) and each
//! top-level member asked for (`cityObjectMember`, `appearanceMember`) is built into a small
//! element tree, handed over, and dropped. Memory is bounded by the largest member, not the
//! file. DTDs and entities are refused, never resolved. Positions are byte offsets.
use std::io::BufRead;
use std::path::Path;

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

use crate::ImportError;

/// One element of a city object's subtree.
#[derive(Debug, Default)]
pub(crate) struct Node {
    /// Local name (`Building`, `posList`).
    pub(crate) name: String,
    /// Namespace prefix as written (`bldg`, `uro`; empty for the default namespace).
    pub(crate) prefix: String,
    /// Attributes by qualified name (`gml:id`, `xlink:href`, `srsDimension`).
    pub(crate) attrs: Vec<(String, String)>,
    /// Text content.
    pub(crate) text: String,
    pub(crate) children: Vec<Node>,
    /// Byte offset of its start tag in the file.
    pub(crate) at: u64,
}

impl Node {
    pub(crate) fn attr(&self, name: &str) -> Option<&str> {
        self.attrs.iter().find(|(k, _)| k == name || k.rsplit(':').next() == Some(name)).map(|(_, v)| v.as_str())
    }

    pub(crate) fn id(&self) -> Option<&str> {
        self.attrs.iter().find(|(k, _)| k == "gml:id" || k == "id").map(|(_, v)| v.as_str())
    }

    pub(crate) fn child(&self, name: &str) -> Option<&Node> {
        self.children.iter().find(|c| c.name == name)
    }
}

fn node(e: &BytesStart<'_>, at: u64) -> Result<Node, String> {
    let qname = String::from_utf8_lossy(e.name().as_ref()).into_owned();
    let (prefix, name) = match qname.split_once(':') {
        Some((p, n)) => (p.to_owned(), n.to_owned()),
        None => (String::new(), qname),
    };
    let mut attrs = Vec::new();
    for a in e.attributes() {
        let a = a.map_err(|err| err.to_string())?;
        let v = a.unescape_value().map_err(|err| err.to_string())?.into_owned();
        attrs.push((String::from_utf8_lossy(a.key.as_ref()).into_owned(), v));
    }
    Ok(Node { name, prefix, attrs, at, ..Default::default() })
}

/// The first `srsName` in a subtree.
pub(crate) fn first_srs(n: &Node) -> Option<String> {
    n.attr("srsName").map(str::to_owned).or_else(|| n.children.iter().find_map(first_srs))
}

/// An error at byte `at` of `path`.
pub(crate) fn fail(path: &Path, at: u64, reason: String) -> ImportError {
    ImportError::Format { file: path.to_owned(), reason: format!("byte {at}: {reason}") }
}

/// Takes each member, with the first `srsName` seen so far.
pub(crate) type MemberSink<'a> = dyn FnMut(Node, Option<&str>) -> Result<(), ImportError> + 'a;

/// The deepest nesting read inside a member.
const MAX_DEPTH: usize = 256;

/// Reads `input`; each top-level member whose local name is in `members` goes to `on_member`
/// with the first `srsName` seen so far (the model's envelope, else the first member's). Returns
/// that `srsName`. Malformed XML, a DOCTYPE or a root that is not `CityModel` is an error.
pub(crate) fn for_each_member(
    input: impl BufRead,
    path: &Path,
    members: &[&str],
    on_member: &mut MemberSink<'_>,
) -> Result<Option<String>, ImportError> {
    let mut reader = Reader::from_reader(input);
    reader.config_mut().check_end_names = true;
    let mut buf = Vec::new();
    let mut srs: Option<String> = None;
    let mut root_seen = false;
    // The open elements of the member being read (empty: between members).
    let mut stack: Vec<Node> = Vec::new();
    loop {
        let at = reader.buffer_position();
        let event = reader.read_event_into(&mut buf).map_err(|e| fail(path, reader.error_position(), e.to_string()))?;
        let empty = matches!(&event, Event::Empty(_));
        match event {
            Event::DocType(_) => return Err(fail(path, at, "a DOCTYPE: DTDs and entities are not read".into())),
            Event::Start(e) | Event::Empty(e) if stack.is_empty() => {
                let n = node(&e, at).map_err(|r| fail(path, at, r))?;
                if !root_seen {
                    root_seen = true;
                    if n.name != "CityModel" {
                        return Err(fail(path, at, format!("not CityGML: the root is <{}>", n.name)));
                    }
                }
                if srs.is_none() {
                    srs = n.attr("srsName").map(str::to_owned);
                }
                if members.contains(&n.name.as_str()) && !empty {
                    stack.push(n);
                }
            }
            Event::Start(e) => {
                // A tree thousands deep would overflow the stack of whatever walks it (and
                // drops it): no city object nests more than a few dozen levels.
                if stack.len() >= MAX_DEPTH {
                    return Err(fail(path, at, format!("elements nested deeper than {MAX_DEPTH} levels")));
                }
                stack.push(node(&e, at).map_err(|r| fail(path, at, r))?);
            }
            Event::Empty(e) => {
                let n = node(&e, at).map_err(|r| fail(path, at, r))?;
                if let Some(parent) = stack.last_mut() {
                    parent.children.push(n);
                }
            }
            Event::Text(t) if !stack.is_empty() => {
                let s = t.unescape().map_err(|e| fail(path, at, e.to_string()))?;
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(s.trim());
                }
            }
            Event::CData(t) if !stack.is_empty() => {
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&String::from_utf8_lossy(&t));
                }
            }
            Event::End(_) if !stack.is_empty() => {
                let done = stack.pop().unwrap_or_default();
                match stack.last_mut() {
                    Some(parent) => parent.children.push(done),
                    None => {
                        if srs.is_none() {
                            srs = first_srs(&done);
                        }
                        on_member(done, srs.as_deref())?;
                    }
                }
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    if !root_seen {
        return Err(fail(path, 0, "no root element".into()));
    }
    if let Some(open) = stack.first() {
        return Err(fail(path, open.at, format!("<{}> is never closed", open.name)));
    }
    Ok(srs)
}
