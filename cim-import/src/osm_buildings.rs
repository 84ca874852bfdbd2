//! OpenStreetMap PBF buildings (the `osmpbf` crate) extruded to LoD1 blocks.
//!
//! Buildings are closed ways tagged `building=*` (or `building:part=*`) and `type=multipolygon`
//! relations tagged `building=*`, whose outer and inner member ways are joined end to end into
//! rings. Heights: `height`, else `building:levels` x 3 m; bases: `min_height`, else
//! `building:min_level` x 3 m; else a default height, counted and warned about. Every tag is kept
//! as an attribute, typed (`"12"` is a number).
//!
//! The file is read in one pass that keeps every node's position: fine for city extracts (a
//! million nodes is 24 MB); a whole country wants a node index on disk, which is not done here.
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use city_core::{AttributeValue, Attributes, ObjectKind};
use geo::{Coord, LineString, Polygon};
use osmpbf::{BlobDecode, BlobReader, Element, RelMemberType};
use serde_json::Value;

use crate::extrude::{STOREY_M, default_height_warning, lod1_object, number, wgs84_lon_lat};
use crate::object_sink::hand_over;
use crate::{ExtrudeOptions, ImportError, Imported, ObjectSink, ReadOptions, Skipped};

/// One building as found: its tags and its rings as node-id lists (or way-id lists to join).
struct Found {
    id: String,
    tags: Vec<(String, String)>,
    outer: Vec<Vec<i64>>,
    inner: Vec<Vec<i64>>,
}

/// A building multipolygon relation: its tags and member ways (id, is the role `inner`).
struct Relation {
    id: String,
    tags: Vec<(String, String)>,
    members: Vec<(i64, bool)>,
}

/// Reads the buildings of an OSM PBF file.
pub(crate) fn read_osm_buildings(
    path: &Path,
    opts: &ReadOptions,
    sink: &mut ObjectSink<'_>,
) -> Result<Imported, ImportError> {
    hand_over(read_buildings(path, &opts.extrude)?, sink)
}

/// The whole extract's buildings.
fn read_buildings(path: &Path, opts: &ExtrudeOptions) -> Result<Imported, ImportError> {
    let file = std::fs::File::open(path).map_err(|source| ImportError::Io { file: path.to_owned(), source })?;
    let read_so_far = Arc::new(AtomicU64::new(0));
    let counted = Counted { inner: std::io::BufReader::new(file), read: Arc::clone(&read_so_far) };
    let mut nodes: HashMap<i64, (f64, f64)> = HashMap::new();
    let mut ways: HashMap<i64, Vec<i64>> = HashMap::new();
    let mut found: Vec<Found> = Vec::new();
    let mut relations: Vec<Relation> = Vec::new();
    let is_building = |k: &str| k == "building" || k == "building:part";
    let mut on_element = |el: Element<'_>| match el {
        Element::Node(n) => {
            nodes.insert(n.id(), (n.lon(), n.lat()));
        }
        Element::DenseNode(n) => {
            nodes.insert(n.id(), (n.lon(), n.lat()));
        }
        Element::Way(w) => {
            let refs: Vec<i64> = w.refs().collect();
            let tags: Vec<(String, String)> = w.tags().map(|(k, v)| (k.to_owned(), v.to_owned())).collect();
            if tags.iter().any(|(k, v)| is_building(k) && v != "no") {
                found.push(Found { id: format!("way/{}", w.id()), tags, outer: vec![refs.clone()], inner: vec![] });
            }
            ways.insert(w.id(), refs);
        }
        Element::Relation(r) => {
            let tags: Vec<(String, String)> = r.tags().map(|(k, v)| (k.to_owned(), v.to_owned())).collect();
            let multipolygon = tags.iter().any(|(k, v)| k == "type" && v == "multipolygon");
            if multipolygon && tags.iter().any(|(k, v)| is_building(k) && v != "no") {
                let members = r
                    .members()
                    .filter(|m| m.member_type == RelMemberType::Way)
                    .map(|m| (m.member_id, m.role().map(|r| r == "inner").unwrap_or(false)))
                    .collect();
                relations.push(Relation { id: format!("relation/{}", r.id()), tags, members });
            }
        }
    };
    // Blob by blob, so a damaged file is named with the block and the byte where it breaks.
    let mut start = 0;
    for (block, blob) in BlobReader::new(counted).enumerate() {
        let at = |e: &osmpbf::Error| osm_error(path, block, start, e);
        match blob.map_err(|e| at(&e))?.decode().map_err(|e| at(&e))? {
            BlobDecode::OsmData(data) => data.elements().for_each(&mut on_element),
            BlobDecode::OsmHeader(_) | BlobDecode::Unknown(_) => {}
        }
        start = read_so_far.load(Ordering::Relaxed);
    }

    let skip = |id: &str, reason: String| Skipped { file: path.to_owned(), id: id.to_owned(), reason };
    let mut skipped = Vec::new();
    for Relation { id, tags, members } in relations {
        let (mut outer_ways, mut inner_ways) = (Vec::new(), Vec::new());
        let mut missing = 0;
        for (way, inner) in members {
            match ways.get(&way) {
                Some(refs) if inner => inner_ways.push(refs.clone()),
                Some(refs) => outer_ways.push(refs.clone()),
                None => missing += 1,
            }
        }
        match (join_rings(outer_ways), join_rings(inner_ways)) {
            (Ok(outer), Ok(inner)) if !outer.is_empty() => found.push(Found { id, tags, outer, inner }),
            (Err(e), _) | (_, Err(e)) => skipped.push(skip(&id, e)),
            _ => skipped.push(skip(&id, format!("no outer ring ({missing} member ways not in the file)"))),
        }
    }

    let mut objects = Vec::with_capacity(found.len());
    let mut defaulted = 0;
    for f in found {
        let ring = |refs: &Vec<i64>| -> Result<LineString<f64>, String> {
            let pts = refs
                .iter()
                .map(|r| {
                    nodes.get(r).map(|&(x, y)| Coord { x, y }).ok_or_else(|| format!("node {r} is not in the file"))
                })
                .collect::<Result<Vec<_>, _>>()?;
            if pts.len() < 4 || pts.first() != pts.last() {
                return Err("ring is not closed or has fewer than 4 nodes".into());
            }
            Ok(LineString(pts))
        };
        let polygons: Result<Vec<Polygon<f64>>, String> = f
            .outer
            .iter()
            .map(|o| {
                let exterior = ring(o)?;
                // Each inner ring goes with the outer ring that holds its first point.
                let holes = f
                    .inner
                    .iter()
                    .filter_map(|i| ring(i).ok())
                    .filter(|h| {
                        use geo::Contains;
                        h.0.first().is_some_and(|c| Polygon::new(exterior.clone(), vec![]).contains(c))
                    })
                    .collect();
                Ok(Polygon::new(exterior, holes))
            })
            .collect();
        let polygons = match polygons {
            Ok(p) => p,
            Err(e) => {
                skipped.push(skip(&f.id, e));
                continue;
            }
        };
        let tag = |k: &str| f.tags.iter().find(|(key, _)| key == k).map(|(_, v)| Value::String(v.clone()));
        let num = |k: &str| tag(k).as_ref().and_then(number);
        let base = num("min_height").or_else(|| num("building:min_level").map(|l| l * STOREY_M)).unwrap_or(0.0);
        let top = match num("height")
            .or_else(|| num("building:levels").map(|l| l * STOREY_M))
            .or_else(|| opts.height_attr.as_deref().and_then(num))
        {
            Some(h) if h > base => h,
            _ => {
                defaulted += 1;
                base + opts.default_height_m
            }
        };
        let kind = if f.tags.iter().any(|(k, _)| k == "building:part") {
            ObjectKind::BuildingPart
        } else {
            ObjectKind::Building
        };
        let attributes: Attributes = f.tags.iter().map(|(k, v)| (k.clone(), AttributeValue::infer(v))).collect();
        match lod1_object(f.id.clone(), kind, polygons, (base, top), attributes) {
            Some(o) => objects.push(o),
            None => skipped.push(skip(&f.id, "footprint has no area".into())),
        }
    }
    let warnings = default_height_warning(path, defaulted, opts).into_iter().collect();
    let crs = wgs84_lon_lat();
    Ok(Imported { file: path.to_owned(), crs, objects, skipped, warnings, textures: Vec::new() })
}

/// A PBF that cannot be read at block `block` (counting from 0), which starts at byte `start`.
fn osm_error(path: &Path, block: usize, start: u64, e: &osmpbf::Error) -> ImportError {
    ImportError::Format {
        file: path.to_owned(),
        reason: format!("block {block} (from byte {start}): not a readable OSM PBF block: {e}"),
    }
}

/// A reader that counts the bytes taken from it: where the blob reader stands in the file.
struct Counted<R> {
    inner: R,
    read: Arc<AtomicU64>,
}

impl<R: std::io::Read> std::io::Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// Joins ways into closed rings by their end nodes (the multipolygon rule: member ways may be
/// split anywhere and listed in any order or direction).
fn join_rings(mut ways: Vec<Vec<i64>>) -> Result<Vec<Vec<i64>>, String> {
    let mut rings = Vec::new();
    while let Some(mut ring) = ways.pop() {
        while ring.len() < 2 || ring.first() != ring.last() {
            let end = *ring.last().ok_or("an empty member way")?;
            let Some(at) = ways.iter().position(|w| w.first() == Some(&end) || w.last() == Some(&end)) else {
                return Err(format!("member ways do not close into a ring (open at node {end})"));
            };
            let mut next = ways.swap_remove(at);
            if next.first() != Some(&end) {
                next.reverse();
            }
            ring.extend_from_slice(&next[1..]);
        }
        rings.push(ring);
    }
    Ok(rings)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_and_reversed_ways_join_into_one_ring() {
        let rings = join_rings(vec![vec![1, 2, 3], vec![5, 4, 3], vec![5, 6, 1]]).unwrap();
        assert_eq!(rings.len(), 1);
        assert_eq!(rings[0].first(), rings[0].last());
        assert_eq!(rings[0].len(), 7);
        assert!(join_rings(vec![vec![1, 2, 3], vec![7, 8]]).unwrap_err().contains("do not close"));
    }
}
