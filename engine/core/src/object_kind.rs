use std::fmt;
use std::str::FromStr;

/// What a city object is. The names follow CityJSON's object types (and so CityGML's feature
/// classes); BIM elements, sensors and facilities join them because the index and the viewer
/// treat them alike: something with a place, a shape and attributes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ObjectKind {
    /// A building (CityJSON `Building`).
    Building,
    /// A part of a building, kept with its parent (CityJSON `BuildingPart`).
    BuildingPart,
    /// A building installation such as a balcony or chimney.
    BuildingInstallation,
    /// A road or other transportation surface.
    Road,
    /// A railway.
    Railway,
    /// A bridge.
    Bridge,
    /// A tunnel.
    Tunnel,
    /// A river, lake or sea surface.
    WaterBody,
    /// Trees and plant cover.
    Vegetation,
    /// Land-use areas.
    LandUse,
    /// The ground: a TIN or grid relief.
    Terrain,
    /// City furniture: benches, lamps, signs.
    CityFurniture,
    /// One element of a BIM model (wall, slab, door, space...).
    BimElement,
    /// An IoT sensor.
    Sensor,
    /// A facility the emergency layer looks for: hospital, fire station, shelter, school.
    Facility,
    /// A hazard zone (flood extent, fire perimeter).
    HazardZone,
    /// Anything else (CityJSON `GenericCityObject`, unknown types).
    Other,
}

impl ObjectKind {
    /// Every kind, in declaration order.
    pub const ALL: [Self; 17] = [
        Self::Building,
        Self::BuildingPart,
        Self::BuildingInstallation,
        Self::Road,
        Self::Railway,
        Self::Bridge,
        Self::Tunnel,
        Self::WaterBody,
        Self::Vegetation,
        Self::LandUse,
        Self::Terrain,
        Self::CityFurniture,
        Self::BimElement,
        Self::Sensor,
        Self::Facility,
        Self::HazardZone,
        Self::Other,
    ];

    /// The name used in files and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Building => "Building",
            Self::BuildingPart => "BuildingPart",
            Self::BuildingInstallation => "BuildingInstallation",
            Self::Road => "Road",
            Self::Railway => "Railway",
            Self::Bridge => "Bridge",
            Self::Tunnel => "Tunnel",
            Self::WaterBody => "WaterBody",
            Self::Vegetation => "Vegetation",
            Self::LandUse => "LandUse",
            Self::Terrain => "Terrain",
            Self::CityFurniture => "CityFurniture",
            Self::BimElement => "BimElement",
            Self::Sensor => "Sensor",
            Self::Facility => "Facility",
            Self::HazardZone => "HazardZone",
            Self::Other => "Other",
        }
    }

    /// The kind for a CityJSON object type (`"Building"`, `"PlantCover"`, `"TINRelief"`...).
    /// Unknown types become [`ObjectKind::Other`] rather than an error: a reader keeps them.
    pub fn from_cityjson_type(t: &str) -> Self {
        match t {
            "Building" => Self::Building,
            "BuildingPart" => Self::BuildingPart,
            "BuildingInstallation" | "BuildingConstructiveElement" => Self::BuildingInstallation,
            "Road" | "TransportSquare" | "Waterway" => Self::Road,
            "Railway" => Self::Railway,
            "Bridge" | "BridgePart" | "BridgeInstallation" | "BridgeConstructiveElement" => Self::Bridge,
            "Tunnel" | "TunnelPart" | "TunnelInstallation" => Self::Tunnel,
            "WaterBody" => Self::WaterBody,
            "PlantCover" | "SolitaryVegetationObject" => Self::Vegetation,
            "LandUse" => Self::LandUse,
            "TINRelief" => Self::Terrain,
            "CityFurniture" => Self::CityFurniture,
            _ => Self::Other,
        }
    }
}

impl fmt::Display for ObjectKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ObjectKind {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| format!("unknown object kind {s:?}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_cityjson_types_map() {
        for k in ObjectKind::ALL {
            assert_eq!(k.as_str().parse::<ObjectKind>(), Ok(k));
        }
        assert_eq!(ObjectKind::from_cityjson_type("PlantCover"), ObjectKind::Vegetation);
        assert_eq!(ObjectKind::from_cityjson_type("+NoiseBarrier"), ObjectKind::Other);
        assert!("Castle".parse::<ObjectKind>().is_err());
    }
}
