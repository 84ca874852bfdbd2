//! `EXT_meshopt_compression`: a buffer view whose bytes are meshoptimizer's vertex or index
//! codec, decoded with the `meshopt` crate (meshoptimizer's own C++ decoder), then its filter
//! (octahedral normals, quaternions, exponential floats) undone.
//!
//! The decoder is safe on untrusted input (meshoptimizer's promise: garbage out, never out of
//! bounds); sizes are checked here before anything is allocated.
use serde_json::Value;

use crate::TilesError;

/// The largest decoded view accepted: a tile's view is megabytes; a count that asks for more
/// is a broken or hostile file, refused before allocation.
const MAX_DECODED: usize = 1 << 30;

/// The decoded bytes of a compressed view: `count * byteStride` bytes, as the uncompressed
/// view would hold them. `source` is the buffer the extension names; `at` names the view.
pub(super) fn decode_meshopt_view(ext: &Value, source: &[u8], uri: &str, at: &str) -> Result<Vec<u8>, TilesError> {
    let fail = |reason: String| TilesError::format(uri, format!("{at}, EXT_meshopt_compression"), reason);
    let field = |name: &str| ext[name].as_u64().map(|v| v as usize);
    let (offset, length) = (field("byteOffset").unwrap_or(0), field("byteLength").unwrap_or(0));
    let (stride, count) = (field("byteStride").unwrap_or(0), field("count").unwrap_or(0));
    let encoded = source.get(offset..offset.saturating_add(length)).ok_or_else(|| {
        fail(format!("bytes {offset}..{} run past its {}-byte buffer", offset.saturating_add(length), source.len()))
    })?;
    if stride == 0 || count.saturating_mul(stride) > MAX_DECODED {
        return Err(fail(format!("{count} elements of {stride} bytes")));
    }
    let mode = ext["mode"].as_str().unwrap_or("");
    let mut bytes = match (mode, stride) {
        ("ATTRIBUTES", s) if s.is_multiple_of(4) && s <= 256 => vertex_buffer(encoded, count, s),
        ("TRIANGLES", 2) => meshopt::decode_index_buffer::<u16>(encoded, count).map(|v| le_bytes(&v)),
        ("TRIANGLES", 4) => meshopt::decode_index_buffer::<u32>(encoded, count).map(|v| le_bytes(&v)),
        ("INDICES", 2) => meshopt::decode_index_sequence::<u16>(encoded, count).map(|v| le_bytes(&v)),
        ("INDICES", 4) => meshopt::decode_index_sequence::<u32>(encoded, count).map(|v| le_bytes(&v)),
        _ => return Err(fail(format!("mode {mode:?} with byteStride {stride} is not in the extension"))),
    }
    .map_err(|e| fail(format!("does not decode: {e}")))?;
    match (ext["filter"].as_str().unwrap_or("NONE"), stride) {
        ("NONE", _) => {}
        ("OCTAHEDRAL", 4) => filtered(&mut bytes, 1, |rows: &mut [[i8; 4]]| meshopt::decode_filter_oct(rows)),
        ("OCTAHEDRAL", 8) => filtered(&mut bytes, 2, |rows: &mut [[i16; 4]]| meshopt::decode_filter_oct(rows)),
        ("QUATERNION", 8) => filtered(&mut bytes, 2, meshopt::decode_filter_quat),
        ("EXPONENTIAL", s) if s.is_multiple_of(4) => exponential(&mut bytes),
        (f, s) => return Err(fail(format!("filter {f} on {s}-byte elements is not in the extension"))),
    }
    Ok(bytes)
}

/// One decoded vertex: the codec works on whole elements of `N` bytes.
#[derive(Clone, Copy)]
struct Row<const N: usize>([u8; N]);

impl<const N: usize> Default for Row<N> {
    fn default() -> Self {
        Self([0; N])
    }
}

fn rows<const N: usize>(encoded: &[u8], count: usize) -> meshopt::Result<Vec<u8>> {
    let rows: Vec<Row<N>> = meshopt::decode_vertex_buffer(encoded, count)?;
    Ok(rows.into_iter().flat_map(|r| r.0).collect())
}

/// The vertex codec for every stride the extension allows (a multiple of 4 up to 256).
fn vertex_buffer(encoded: &[u8], count: usize, stride: usize) -> meshopt::Result<Vec<u8>> {
    macro_rules! by_stride {
        ($($n:literal)*) => {
            match stride {
                $($n => rows::<$n>(encoded, count),)*
                _ => Err(meshopt::Error::Parse(format!("byteStride {stride}"))),
            }
        };
    }
    by_stride!(4 8 12 16 20 24 28 32 36 40 44 48 52 56 60 64 68 72 76 80 84 88 92 96 100 104 108 112
        116 120 124 128 132 136 140 144 148 152 156 160 164 168 172 176 180 184 188 192 196 200 204
        208 212 216 220 224 228 232 236 240 244 248 252 256)
}

fn le_bytes<T: Copy + Into<u64>>(v: &[T]) -> Vec<u8> {
    let size = std::mem::size_of::<T>();
    v.iter().flat_map(|&x| x.into().to_le_bytes().into_iter().take(size)).collect()
}

/// Applies a meshopt filter to 4-component elements of `width`-byte integers, in place.
fn filtered<C: Copy + Int>(bytes: &mut [u8], width: usize, filter: impl Fn(&mut [[C; 4]])) {
    let mut rows: Vec<[C; 4]> =
        bytes.chunks_exact(4 * width).map(|c| std::array::from_fn(|k| C::from_le(&c[k * width..]))).collect();
    filter(&mut rows);
    for (chunk, row) in bytes.chunks_exact_mut(4 * width).zip(&rows) {
        for (k, v) in row.iter().enumerate() {
            v.to_le(&mut chunk[k * width..(k + 1) * width]);
        }
    }
}

/// The integer widths the filters work on.
trait Int {
    fn from_le(b: &[u8]) -> Self;
    fn to_le(self, out: &mut [u8]);
}

impl Int for i8 {
    fn from_le(b: &[u8]) -> Self {
        b[0] as i8
    }
    fn to_le(self, out: &mut [u8]) {
        out[0] = self as u8;
    }
}

impl Int for i16 {
    fn from_le(b: &[u8]) -> Self {
        i16::from_le_bytes([b[0], b[1]])
    }
    fn to_le(self, out: &mut [u8]) {
        out.copy_from_slice(&self.to_le_bytes());
    }
}

/// The exponential filter: each 32-bit word is an 8-bit signed exponent over a 24-bit signed
/// mantissa, `m * 2^e`, written back as an f32.
fn exponential(bytes: &mut [u8]) {
    for w in bytes.chunks_exact_mut(4) {
        let v = i32::from_le_bytes([w[0], w[1], w[2], w[3]]);
        let (e, m) = (v >> 24, (v << 8) >> 8);
        let f = (m as f32) * 2f32.powi(e);
        w.copy_from_slice(&f.to_le_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exponential_words_are_mantissa_times_two_to_the_exponent() {
        let word = |e: i32, m: i32| ((e << 24) | (m & 0xff_ffff)).to_le_bytes();
        let mut b = [word(-2, 6), word(3, -5)].concat();
        exponential(&mut b);
        assert_eq!(f32::from_le_bytes([b[0], b[1], b[2], b[3]]), 1.5);
        assert_eq!(f32::from_le_bytes([b[4], b[5], b[6], b[7]]), -40.0);
    }

    #[test]
    fn a_view_past_its_buffer_or_of_absurd_size_is_an_error() {
        let ext = serde_json::json!({"buffer": 0, "byteOffset": 8, "byteLength": 100, "byteStride": 12,
            "count": 3, "mode": "ATTRIBUTES"});
        let e = decode_meshopt_view(&ext, &[0; 50], "t.glb", "bufferView 2").unwrap_err().to_string();
        assert!(e.contains("bufferView 2") && e.contains("run past"), "{e}");
        let ext = serde_json::json!({"buffer": 0, "byteLength": 4, "byteStride": 256, "count": 1u64 << 40,
            "mode": "ATTRIBUTES"});
        assert!(decode_meshopt_view(&ext, &[0; 4], "t.glb", "v").is_err());
        let ext = serde_json::json!({"buffer": 0, "byteLength": 4, "byteStride": 4, "count": 1, "mode": "SPIRAL"});
        assert!(decode_meshopt_view(&ext, &[0; 4], "t.glb", "v").unwrap_err().to_string().contains("SPIRAL"));
    }
}
