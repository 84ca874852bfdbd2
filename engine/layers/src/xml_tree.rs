//! A small XML element tree for documents read whole (CAP alerts are a few kilobytes to a few
//! hundred): element local names, their text, children, and the line each starts on, for error
//! messages. Namespaces are dropped to local names (CAP 1.0, 1.1 and 1.2 differ only there).
//! DTDs and entities are never resolved: quick-xml does not, and a DOCTYPE is refused.
use quick_xml::Reader;
use quick_xml::events::Event;

/// An element.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct XmlElement {
    /// Local name (`alert`, `info`).
    pub name: String,
    /// Its namespace URI (from `xmlns`, or `xmlns:p` for a prefixed name, on it or an
    /// ancestor), when it has one.
    pub xmlns: Option<String>,
    /// Its attributes as written (`href`, `xmlns:cap`), values unescaped.
    pub attrs: Vec<(String, String)>,
    /// Its text, trimmed (the concatenation of its text and CDATA children).
    pub text: String,
    /// Child elements in order.
    pub children: Vec<XmlElement>,
    /// The line it starts on (1-based).
    pub line: usize,
}

impl XmlElement {
    /// The first child named `name`.
    pub fn child(&self, name: &str) -> Option<&XmlElement> {
        self.children.iter().find(|c| c.name == name)
    }

    /// All children named `name`.
    pub fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a XmlElement> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }

    /// The value of attribute `name`.
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// The first descendant (depth first) named `name`.
    pub fn find(&self, name: &str) -> Option<&XmlElement> {
        self.children.iter().find_map(|c| if c.name == name { Some(c) } else { c.find(name) })
    }

    /// The text of the first child named `name`, if present and not empty.
    pub fn text_of(&self, name: &str) -> Option<&str> {
        self.child(name).map(|c| c.text.as_str()).filter(|t| !t.is_empty())
    }
}

/// An element as it starts: name, attributes, and its namespace looked up on it and then on
/// its open ancestors.
fn element(e: &quick_xml::events::BytesStart<'_>, open: &[XmlElement], line: usize) -> Result<XmlElement, String> {
    let mut attrs = Vec::new();
    for a in e.attributes() {
        let a = a.map_err(|err| err.to_string())?;
        let value = a.unescape_value().map_err(|err| err.to_string())?.into_owned();
        attrs.push((String::from_utf8_lossy(a.key.as_ref()).into_owned(), value));
    }
    let key = match e.name().prefix() {
        Some(p) => format!("xmlns:{}", String::from_utf8_lossy(p.as_ref())),
        None => "xmlns".to_owned(),
    };
    let declared = |attrs: &[(String, String)]| attrs.iter().find(|(k, _)| *k == key).map(|(_, v)| v.clone());
    let xmlns = declared(&attrs).or_else(|| open.iter().rev().find_map(|p| declared(&p.attrs)));
    Ok(XmlElement {
        name: String::from_utf8_lossy(e.local_name().as_ref()).into_owned(),
        xmlns,
        attrs,
        line,
        ..Default::default()
    })
}

/// 1-based line of byte `pos` in `text`.
fn line_at(text: &str, pos: u64) -> usize {
    let pos = (pos as usize).min(text.len());
    text.as_bytes()[..pos].iter().filter(|b| **b == b'\n').count() + 1
}

/// Lines counted as the reader moves forward: each byte is looked at once, so an alert with
/// 40,000 elements costs what its length costs (counting from the start for every element made
/// such a file take minutes).
struct Lines<'t> {
    text: &'t [u8],
    pos: usize,
    line: usize,
}

impl Lines<'_> {
    fn at(&mut self, pos: u64) -> usize {
        let pos = (pos as usize).min(self.text.len());
        if pos < self.pos {
            return line_at(std::str::from_utf8(self.text).unwrap_or(""), pos as u64);
        }
        self.line += self.text[self.pos..pos].iter().filter(|b| **b == b'\n').count();
        self.pos = pos;
        self.line
    }
}

/// Elements nested deeper than this are refused: no alert needs more than a handful of levels,
/// and a tree thousands deep would overflow the stack of whatever walks it.
pub const MAX_XML_DEPTH: usize = 256;

/// Parses `text` into its root element; errors say the line and what is wrong.
pub fn parse_xml(text: &str) -> Result<XmlElement, (usize, String)> {
    let mut reader = Reader::from_str(text);
    reader.config_mut().check_end_names = true;
    let mut stack: Vec<XmlElement> = Vec::new();
    let mut root = None;
    let local = |name: &[u8]| String::from_utf8_lossy(name).into_owned();
    let mut lines = Lines { text: text.as_bytes(), pos: 0, line: 1 };
    loop {
        let at = reader.buffer_position();
        let event = reader.read_event().map_err(|e| (line_at(text, reader.error_position()), e.to_string()))?;
        let line = lines.at(at);
        let empty = matches!(&event, Event::Empty(_));
        match event {
            Event::Start(e) | Event::Empty(e) if root.is_some() => {
                return Err((line, format!("<{}> after the root element", local(e.local_name().as_ref()))));
            }
            Event::Start(e) | Event::Empty(e) => {
                if stack.len() >= MAX_XML_DEPTH {
                    return Err((line, format!("elements nested deeper than {MAX_XML_DEPTH} levels")));
                }
                let el = element(&e, &stack, line).map_err(|m| (line, m))?;
                if empty {
                    match stack.last_mut() {
                        Some(parent) => parent.children.push(el),
                        None => root = Some(el),
                    }
                } else {
                    stack.push(el);
                }
            }
            Event::End(_) => {
                let mut el = stack.pop().ok_or_else(|| (line_at(text, at), "an end tag without a start".to_owned()))?;
                el.text = el.text.trim().to_owned();
                match stack.last_mut() {
                    Some(parent) => parent.children.push(el),
                    None => root = Some(el),
                }
            }
            Event::Text(t) => {
                if let Some(el) = stack.last_mut() {
                    let s = t.unescape().map_err(|e| (line_at(text, at), e.to_string()))?;
                    el.text.push_str(&s);
                }
            }
            Event::CData(t) => {
                if let Some(el) = stack.last_mut() {
                    el.text.push_str(&String::from_utf8_lossy(&t));
                }
            }
            Event::DocType(_) => {
                return Err((line_at(text, at), "a DOCTYPE: DTDs and entities are not read".into()));
            }
            Event::Eof => break,
            Event::Comment(_) | Event::Decl(_) | Event::PI(_) => {}
        }
    }
    if let Some(open) = stack.last() {
        return Err((open.line, format!("<{}> is never closed", open.name)));
    }
    root.ok_or_else(|| (1, "no root element".to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn elements_text_lines_and_broken_xml() {
        let x = parse_xml("<?xml version=\"1.0\"?>\n<a xmlns=\"urn:x\">\n  <b>one &amp; two</b>\n  <c/><b><![CDATA[3 < 4]]></b>\n</a>")
            .unwrap();
        assert_eq!((x.name.as_str(), x.xmlns.as_deref(), x.line), ("a", Some("urn:x"), 2));
        assert_eq!(x.text_of("b"), Some("one & two"));
        assert_eq!(x.children_named("b").nth(1).unwrap().text, "3 < 4");
        assert_eq!((x.child("c").unwrap().line, x.child("b").unwrap().line), (4, 3));
        let (line, msg) = parse_xml("<a>\n<b>\n</a>").unwrap_err();
        assert!(line >= 2 && msg.contains('b'), "{line}: {msg}");
        assert!(parse_xml("<a>\n<b>x</b>").unwrap_err().1.contains("never closed"));
        let (_, msg) = parse_xml("<!DOCTYPE a [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>\n<a>&x;</a>").unwrap_err();
        assert!(msg.contains("DOCTYPE"), "{msg}");
    }
}
