//! The attribute names that say a building's use, storeys and occupants, in the order they are
//! looked up (first found wins): OSM tags, CityGML/CityJSON attributes, and plain names. The
//! importer copies them into `features.csv`; impact analysis estimates people from them
//! (`city_layers::Occupancy`).

/// Use: OSM `building:use` and `building`, CityGML `usage` and `function`.
pub const USE_ATTRIBUTES: [&str; 5] = ["building:use", "usage", "function", "building", "use"];
/// Storeys above ground.
pub const STOREY_ATTRIBUTES: [&str; 4] = ["building:levels", "storeysAboveGround", "storeys_above_ground", "storeys"];
/// People counted by the source.
pub const OCCUPANT_ATTRIBUTES: [&str; 3] = ["occupants", "population", "residents"];
