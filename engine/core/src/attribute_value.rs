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
    /// but `"12"` is a number to anyone styling by it. Text that a number would not write back
    /// the same way stays text: postcodes and ids with leading zeros (`"01067"`), `"+31"`.
    pub fn infer(text: &str) -> Self {
        let t = text.trim();
        let leading_zero = t.len() > 1 && t.starts_with('0') && !t.starts_with("0.");
        if t.is_empty() {
            Self::Null
        } else if let Some(i) = t.parse::<i64>().ok().filter(|i| i.to_string() == t) {
            Self::Int(i)
        } else if let Some(f) = t.parse::<f64>().ok().filter(|f| f.is_finite() && !leading_zero && !t.starts_with('+'))
        {
            Self::Float(f)
        } else if t == "true" || t == "false" {
            Self::Bool(t == "true")
        } else {
            Self::Text(text.to_owned())
        }
    }
}

impl AttributeValue {
    /// The value as JSON (lists and maps included), e.g. to store it as text.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value;
        match self {
            Self::Null => Value::Null,
            Self::Bool(b) => Value::Bool(*b),
            Self::Int(i) => Value::from(*i),
            Self::Float(f) => serde_json::Number::from_f64(*f).map_or(Value::Null, Value::Number),
            Self::Text(s) => Value::String(s.clone()),
            Self::List(l) => Value::Array(l.iter().map(Self::to_json).collect()),
            Self::Map(m) => Value::Object(m.iter().map(|(k, v)| (k.clone(), v.to_json())).collect()),
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
        assert_eq!(AttributeValue::infer("01067"), AttributeValue::Text("01067".into()));
        assert_eq!(AttributeValue::infer("+31"), AttributeValue::Text("+31".into()));
        assert_eq!(AttributeValue::infer("0.5"), AttributeValue::Float(0.5));
        assert_eq!(AttributeValue::infer("0"), AttributeValue::Int(0));
        let list = AttributeValue::List(vec![AttributeValue::Text("a".into()), AttributeValue::Int(2)]);
        assert_eq!(list.to_json().to_string(), r#"["a",2]"#);
        assert_eq!(AttributeValue::infer(""), AttributeValue::Null);
        let v: serde_json::Value = serde_json::json!({"h": 3.5, "n": 2, "tags": ["a"]});
        let AttributeValue::Map(m) = AttributeValue::from(&v) else { panic!("not a map") };
        assert_eq!(m["h"].as_f64(), Some(3.5));
        assert_eq!(m["n"], AttributeValue::Int(2));
        assert_eq!(m["tags"], AttributeValue::List(vec![AttributeValue::Text("a".into())]));
    }
}
