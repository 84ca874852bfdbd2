//! The feature table and batch table of 1.0 content (b3dm, i3dm, pnts): a JSON header whose
//! values are either inline or `{"byteOffset": n}` references into a binary body.
use city_core::AttributeValue;
use serde_json::Value;

use super::decoded_content::FeatureProperties;
use crate::TilesError;

/// A table: its JSON and binary body.
pub(crate) struct Table<'a> {
    pub json: Value,
    pub bin: &'a [u8],
}

/// Size in bytes of a 3D Tiles component type.
fn component_size(t: &str) -> usize {
    match t {
        "BYTE" | "UNSIGNED_BYTE" => 1,
        "SHORT" | "UNSIGNED_SHORT" => 2,
        "DOUBLE" => 8,
        _ => 4,
    }
}

fn component(t: &str, b: &[u8]) -> f64 {
    match t {
        "BYTE" => f64::from(b[0] as i8),
        "UNSIGNED_BYTE" => f64::from(b[0]),
        "SHORT" => f64::from(i16::from_le_bytes([b[0], b[1]])),
        "UNSIGNED_SHORT" => f64::from(u16::from_le_bytes([b[0], b[1]])),
        "INT" => f64::from(i32::from_le_bytes([b[0], b[1], b[2], b[3]])),
        "UNSIGNED_INT" => f64::from(u32::from_le_bytes([b[0], b[1], b[2], b[3]])),
        "DOUBLE" => f64::from_le_bytes(b.try_into().unwrap_or([0; 8])),
        _ => f64::from(f32::from_le_bytes([b[0], b[1], b[2], b[3]])),
    }
}

impl<'a> Table<'a> {
    /// Parses the JSON part (trailing padding spaces allowed); `what` names it in errors.
    pub fn parse(json: &[u8], bin: &'a [u8], uri: &str, what: &str) -> Result<Self, TilesError> {
        let json = if json.iter().all(|b| b.is_ascii_whitespace() || *b == 0) {
            Value::Object(Default::default())
        } else {
            serde_json::from_slice(json).map_err(|e| TilesError::format(uri, what, format!("not valid JSON: {e}")))?
        };
        Ok(Self { json, bin })
    }

    /// A global number (`BATCH_LENGTH`, `POINTS_LENGTH`...).
    pub fn number(&self, name: &str) -> Option<f64> {
        let v = &self.json[name];
        v.as_f64().or_else(|| {
            let off = v["byteOffset"].as_u64()? as usize;
            Some(component(v["componentType"].as_str().unwrap_or("UNSIGNED_INT"), self.bin.get(off..off + 4)?))
        })
    }

    /// A fixed vector (`RTC_CENTER`, `QUANTIZED_VOLUME_OFFSET`...).
    pub fn vec3(&self, name: &str) -> Option<[f64; 3]> {
        let v = &self.json[name];
        if let Some(a) = v.as_array() {
            return (a.len() == 3).then(|| std::array::from_fn(|i| a[i].as_f64().unwrap_or(0.0)));
        }
        let off = v["byteOffset"].as_u64()? as usize;
        let b = self.bin.get(off..off + 12)?;
        Some(std::array::from_fn(|i| f64::from(f32::from_le_bytes(b[i * 4..i * 4 + 4].try_into().unwrap_or([0; 4])))))
    }

    /// A per-element binary property: `count` elements of `n` components of `default_type`
    /// (unless the table says another), as f64. `None` when absent; an error when it runs past
    /// the body.
    pub fn per_element(
        &self,
        name: &str,
        count: usize,
        n: usize,
        default_type: &str,
        uri: &str,
    ) -> Option<Result<Vec<f64>, TilesError>> {
        let v = &self.json[name];
        let off = v["byteOffset"].as_u64()? as usize;
        let t = v["componentType"].as_str().unwrap_or(default_type);
        let size = component_size(t);
        let end = off + count * n * size;
        Some(match self.bin.get(off..end) {
            Some(b) => Ok(b.chunks_exact(size).map(|c| component(t, c)).collect()),
            None => Err(TilesError::format(
                uri,
                format!("feature table {name}"),
                format!("bytes {off}..{end} run past the {}-byte body", self.bin.len()),
            )),
        })
    }

    /// The batch table as feature properties: JSON arrays, or binary scalars and vectors.
    pub fn properties(&self, count: usize, uri: &str) -> Result<FeatureProperties, TilesError> {
        let mut columns = Vec::new();
        for (name, v) in self.json.as_object().into_iter().flatten() {
            if name == "extensions" || name == "extras" {
                continue;
            }
            let column: Vec<AttributeValue> = match v {
                Value::Array(a) => a.iter().take(count).map(AttributeValue::from).collect(),
                Value::Object(o) if o.contains_key("byteOffset") => {
                    let n = match o.get("type").and_then(Value::as_str).unwrap_or("SCALAR") {
                        "VEC2" => 2,
                        "VEC3" => 3,
                        "VEC4" => 4,
                        _ => 1,
                    };
                    let vals = self.per_element(name, count, n, "FLOAT", uri).unwrap_or(Ok(Vec::new()))?;
                    vals.chunks_exact(n)
                        .map(|c| {
                            if n == 1 {
                                AttributeValue::Float(c[0])
                            } else {
                                AttributeValue::List(c.iter().map(|&x| AttributeValue::Float(x)).collect())
                            }
                        })
                        .collect()
                }
                _ => continue,
            };
            columns.push((name.clone(), column));
        }
        for (_, c) in &mut columns {
            c.resize(count, AttributeValue::Null);
        }
        Ok(FeatureProperties { count, columns })
    }
}

/// The four little-endian u32 lengths of a 1.0 content header (feature table JSON and binary,
/// batch table JSON and binary) at `at`, checked against the file.
pub(crate) fn tables<'a>(bytes: &'a [u8], at: usize, uri: &str) -> Result<(Table<'a>, Table<'a>, usize), TilesError> {
    let u32_at = |o: usize| bytes.get(o..o + 4).map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize);
    let (Some(fj), Some(fb), Some(bj), Some(bb)) = (u32_at(at), u32_at(at + 4), u32_at(at + 8), u32_at(at + 12)) else {
        return Err(TilesError::format(uri, "byte 0", "shorter than its header"));
    };
    let o = at + 16;
    let header_end = if bytes.starts_with(b"i3dm") { o + 4 } else { o };
    let end = header_end + fj + fb + bj + bb;
    if end > bytes.len() {
        return Err(TilesError::format(
            uri,
            format!("byte {at}"),
            format!("table lengths add up to byte {end}, past the end of the {}-byte file", bytes.len()),
        ));
    }
    let mut p = header_end;
    let mut take = |n: usize| {
        let s = &bytes[p..p + n];
        p += n;
        s
    };
    let (ftj, ftb, btj, btb) = (take(fj), take(fb), take(bj), take(bb));
    Ok((Table::parse(ftj, ftb, uri, "feature table")?, Table::parse(btj, btb, uri, "batch table")?, end))
}
