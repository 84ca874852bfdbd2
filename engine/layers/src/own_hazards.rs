//! A tileset's own hazard zones. The importer keeps PLATEAU flood extents as features of the
//! tileset and writes them to its hazards sidecar (`city_core::HAZARDS_FILE`), so `impact` and
//! the viewer find a city's hazards without being told. Those zones are features of the city,
//! but not what an incident threatens: a flood zone is not a building inside the flood. Both
//! the command line's `impact` and the viewer's incident layer take that rule from here.
use std::collections::HashSet;
use std::path::{Path, PathBuf};

use crate::HazardZone;

/// The hazards sidecar of the tileset in `dir`, when the importer wrote one.
pub fn own_hazards_file(dir: &Path) -> Option<PathBuf> {
    Some(dir.join(city_core::HAZARDS_FILE)).filter(|p| p.is_file())
}

/// The ids of the tileset's features that are its own hazard zones, given the zones read from
/// each hazard file: those read from the sidecar of the tileset in `dir`. Leave them out of
/// the objects an incident threatens.
pub fn own_zone_ids<'a>(dir: &Path, read: impl IntoIterator<Item = (&'a Path, &'a [HazardZone])>) -> HashSet<String> {
    let own = dir.join(city_core::HAZARDS_FILE);
    read.into_iter()
        .filter(|(file, _)| *file == own)
        .flat_map(|(_, zones)| zones.iter().map(|z| z.id.clone()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zone(id: &str) -> HazardZone {
        HazardZone { id: id.into(), kind: "flood".into(), polygons: vec![], attributes: vec![], line: 1 }
    }

    #[test]
    fn only_the_tilesets_own_zones_are_left_out() {
        let dir = Path::new("/data/city");
        let own = dir.join(city_core::HAZARDS_FILE);
        let other = PathBuf::from("/data/other/fld.gml");
        let (a, b) = (vec![zone("z1"), zone("z2")], vec![zone("z3")]);
        let ids = own_zone_ids(dir, [(own.as_path(), a.as_slice()), (other.as_path(), b.as_slice())]);
        assert_eq!(ids, HashSet::from(["z1".to_owned(), "z2".to_owned()]));
        assert!(own_zone_ids(Path::new("/data/elsewhere"), [(own.as_path(), a.as_slice())]).is_empty());
        assert_eq!(own_hazards_file(Path::new("/nonexistent-citytwin")), None);
    }
}
