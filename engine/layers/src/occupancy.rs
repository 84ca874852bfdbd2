//! What a building says about the people in it: its use (from OSM's `building=*` or
//! `building:use`, CityGML/CityJSON `function` or `usage`), its storeys, and its occupants
//! when a source counts them (attribute names: `city_core::USE_ATTRIBUTES` and the others).
//! Impact analysis estimates the people present from these.
//!
//! Floor area per person present, by use (gross floor area; people present on a working day,
//! not the egress design loads of building codes, which are three to ten times denser):
//!
//! | use         | m2/person | basis                                                        |
//! |-------------|----------:|--------------------------------------------------------------|
//! | residential |        40 | dwelling floor area per resident, EU and Chinese cities      |
//! | office      |        15 | 10-15 m2 per workstation (British Council for Offices)       |
//! | retail      |        20 | shop floor plus storage, average trading hours               |
//! | education   |        10 | classrooms at 2-3 m2 per pupil plus corridors and halls     |
//! | healthcare  |        25 | beds, staff and visitors                                     |
//! | industrial  |        50 | production floor                                             |
//! | storage     |       100 | warehouses, garages, sheds                                   |
//! | other       |        30 | unknown use: between homes and offices                       |

/// A building's use, as far as people are concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BuildingUse {
    /// Homes.
    Residential,
    /// Offices, public administration.
    Office,
    /// Shops, restaurants, hotels.
    Retail,
    /// Schools, universities, kindergartens.
    Education,
    /// Hospitals, clinics, care homes.
    Healthcare,
    /// Factories, workshops.
    Industrial,
    /// Warehouses, garages, sheds, parking.
    Storage,
    /// Unknown or anything else.
    #[default]
    Other,
}

impl BuildingUse {
    /// From an OSM `building=*` / `building:use` value or a CityGML-style function word
    /// (case-insensitive); `yes` and unknown words are `Other`.
    pub fn parse(text: &str) -> Self {
        match text.trim().to_ascii_lowercase().as_str() {
            "residential" | "house" | "apartments" | "detached" | "semidetached_house" | "terrace" | "dormitory"
            | "bungalow" | "farm" | "houseboat" | "residence" | "dwelling" => Self::Residential,
            "office" | "commercial" | "government" | "civic" | "public" | "townhall" => Self::Office,
            "retail" | "shop" | "supermarket" | "kiosk" | "hotel" | "restaurant" | "mall" => Self::Retail,
            "school" | "university" | "college" | "kindergarten" | "education" => Self::Education,
            "hospital" | "clinic" | "healthcare" | "nursing_home" => Self::Healthcare,
            "industrial" | "factory" | "manufacture" | "industry" => Self::Industrial,
            "warehouse" | "garage" | "garages" | "shed" | "storage" | "parking" | "carport" | "barn" | "hangar" => {
                Self::Storage
            }
            _ => Self::Other,
        }
    }

    /// Floor area per person present, m2 (the table above); `Other` uses `default`.
    pub fn m2_per_person(self, default: f64) -> f64 {
        match self {
            Self::Residential => 40.0,
            Self::Office => 15.0,
            Self::Retail => 20.0,
            Self::Education => 10.0,
            Self::Healthcare => 25.0,
            Self::Industrial => 50.0,
            Self::Storage => 100.0,
            Self::Other => default,
        }
    }
}

/// What is known about the people in one object.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Occupancy {
    /// Its use.
    pub usage: BuildingUse,
    /// Storeys above ground, when the source says.
    pub storeys: Option<f64>,
    /// People counted by the source (census, BIM occupancy): used as they are.
    pub occupants: Option<f64>,
}

impl Occupancy {
    /// From an object's attributes, looked up by the names in `city_core` (`attr` gives the text of one).
    pub fn from_attributes(attr: impl Fn(&str) -> Option<String>) -> Self {
        let number = |names: &[&str]| {
            names.iter().find_map(|n| attr(n)?.trim().parse::<f64>().ok().filter(|v| v.is_finite() && *v >= 0.0))
        };
        let usage = city_core::USE_ATTRIBUTES
            .iter()
            .filter_map(|n| attr(n))
            .map(|v| BuildingUse::parse(&v))
            .find(|u| *u != BuildingUse::Other)
            .unwrap_or_default();
        Self {
            usage,
            storeys: number(&city_core::STOREY_ATTRIBUTES).filter(|s| *s >= 1.0),
            occupants: number(&city_core::OCCUPANT_ATTRIBUTES),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uses_storeys_and_occupants_from_attributes() {
        let attrs = |pairs: &'static [(&'static str, &'static str)]| {
            move |k: &str| pairs.iter().find(|(n, _)| *n == k).map(|(_, v)| (*v).to_owned())
        };
        let o = Occupancy::from_attributes(attrs(&[
            ("building", "yes"),
            ("building:use", "office"),
            ("building:levels", "6"),
        ]));
        assert_eq!(o, Occupancy { usage: BuildingUse::Office, storeys: Some(6.0), occupants: None });
        let o = Occupancy::from_attributes(attrs(&[("building", "apartments"), ("occupants", "120")]));
        assert_eq!((o.usage, o.occupants), (BuildingUse::Residential, Some(120.0)));
        let o = Occupancy::from_attributes(attrs(&[("building", "yes"), ("building:levels", "x")]));
        assert_eq!(o, Occupancy::default());
        assert_eq!(BuildingUse::parse("School"), BuildingUse::Education);
        assert_eq!(BuildingUse::Other.m2_per_person(30.0), 30.0);
    }
}
