use std::collections::BTreeMap;

/// A typed attribute value. Numbers stay numbers (not strings) all the way into the 3D Tiles
/// property tables, so a viewer can colour by height or year with a ramp.
#[derive(Debug, Clone, PartialEq)]
pub enum AttributeValue {
    /// JSON null, or a value the source left empty.
    Null,
    /// A boolean.
    Bool(bool),
    /// An integer that fits i64.
    Int(i64),
    /// Any other number.
    Float(f64),
    /// Text.
    Text(String),
    /// A list of values.
    List(Vec<AttributeValue>),
    /// A nested object.
    Map(Attributes),
}

/// Attributes by name, sorted so that output is stable.
pub type Attributes = BTreeMap<String, AttributeValue>;

impl AttributeValue {
    /// The value as a number, if it is one (integers widen to f64).
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Self::Int(i) => Some(*i as f64),
            Self::Float(f) => Some(*f),
            _ => None,
        }
    }

    /// The value as text, if it is text.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Self::Text(s) => Some(s),
            _ => None,
        }
    }

    /// Reads text as the narrowest type it spells: OSM tags and CSV cells arrive as strings,
    /// but `"12"` is a number to anyone styling by it.
    pub fn infer(text: &str) -> Self {
        let t = text.trim();
        if t.is_empty() {
            Self::Null
        } else if let Ok(i) = t.parse::<i64>() {
            Self::Int(i)
        } else if let Some(f) = t.parse::<f64>().ok().filter(|f| f.is_finite()) {
            Self::Float(f)
        } else if t == "true" || t == "false" {
            Self::Bool(t == "true")
        } else {
            Self::Text(text.to_owned())
        }
    }
}

impl From<&serde_json::Value> for AttributeValue {
    fn from(v: &serde_json::Value) -> Self {
        use serde_json::Value;
        match v {
            Value::Null => Self::Null,
            Value::Bool(b) => Self::Bool(*b),
            Value::Number(n) => {
                n.as_i64().map(Self::Int).unwrap_or_else(|| Self::Float(n.as_f64().unwrap_or(f64::NAN)))
            }
            Value::String(s) => Self::Text(s.clone()),
            Value::Array(a) => Self::List(a.iter().map(Self::from).collect()),
            Value::Object(o) => Self::Map(o.iter().map(|(k, v)| (k.clone(), Self::from(v))).collect()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn infers_numbers_from_text_and_keeps_json_types() {
        assert_eq!(AttributeValue::infer("12"), AttributeValue::Int(12));
        assert_eq!(AttributeValue::infer("12.5"), AttributeValue::Float(12.5));
        assert_eq!(AttributeValue::infer("yes"), AttributeValue::Text("yes".into()));
        assert_eq!(AttributeValue::infer("NaN"), AttributeValue::Text("NaN".into()));
        assert_eq!(AttributeValue::infer(""), AttributeValue::Null);
        let v: serde_json::Value = serde_json::json!({"h": 3.5, "n": 2, "tags": ["a"]});
        let AttributeValue::Map(m) = AttributeValue::from(&v) else { panic!("not a map") };
        assert_eq!(m["h"].as_f64(), Some(3.5));
        assert_eq!(m["n"], AttributeValue::Int(2));
        assert_eq!(m["tags"], AttributeValue::List(vec![AttributeValue::Text("a".into())]));
    }
}
