//! A georeferenced grid of heights: what the raster analyses (flood, viewshed) run on. The
//! caller reads it (`cim_import::Dem` reads GeoTIFF DEMs); this crate reads no files.
use city_core::Crs;

/// Heights on a regular grid, row by row from the top, with where the grid lies.
#[derive(Clone)]
pub struct HeightGrid {
    /// Columns.
    pub width: usize,
    /// Rows.
    pub height: usize,
    /// Heights, `width * height`; NaN where there is none.
    pub heights: Vec<f32>,
    /// CRS coordinates (easting first) of the centre of pixel (0, 0).
    pub origin: [f64; 2],
    /// CRS units from one pixel centre to the next along a row and down a column (the second
    /// negative for a north-up raster).
    pub step: [f64; 2],
    /// The grid's CRS.
    pub crs: Crs,
}

impl HeightGrid {
    /// The height at (column, row), `None` outside the grid or where there is none.
    pub fn at(&self, col: usize, row: usize) -> Option<f32> {
        if col >= self.width || row >= self.height {
            return None;
        }
        Some(self.heights[row * self.width + col]).filter(|h| h.is_finite())
    }

    /// The pixel (column, row) whose cell holds CRS coordinates (x, y), `None` off the grid.
    pub fn pixel_of(&self, x: f64, y: f64) -> Option<(usize, usize)> {
        let (c, r) = (((x - self.origin[0]) / self.step[0]).round(), ((y - self.origin[1]) / self.step[1]).round());
        (c >= 0.0 && r >= 0.0 && c < self.width as f64 && r < self.height as f64).then_some((c as usize, r as usize))
    }

    /// The pixel holding a point given in degrees (longitude, latitude), `None` off the grid or
    /// where the grid's CRS cannot place it.
    pub fn pixel_of_lon_lat(&self, lon_deg: f64, lat_deg: f64) -> Option<(usize, usize)> {
        let p = self.crs.from_geodetic(city_core::Geodetic::from_deg(lon_deg, lat_deg, 0.0)).ok()?;
        self.pixel_of(p[0], p[1])
    }

    /// The area of a cell of `row`, square metres: the steps' product for a projected CRS (in
    /// metres), and for a geographic one (steps in degrees) the cell's width and height on the
    /// WGS 84 ellipsoid at the row's latitude, from the radii of curvature along the meridian
    /// and the parallel, so a degree of longitude shrinks towards the poles.
    pub fn cell_area_m2(&self, row: usize) -> f64 {
        if !self.crs.is_geographic() {
            return (self.step[0] * self.step[1]).abs();
        }
        let lat = (self.origin[1] + row as f64 * self.step[1]).to_radians();
        let (a, e2) = (6_378_137.0, 0.006_694_379_990_14);
        let w = 1.0 - e2 * lat.sin() * lat.sin();
        let (meridian, parallel) = (a * (1.0 - e2) / w.powf(1.5), a / w.sqrt());
        (self.step[0].to_radians() * parallel * lat.cos() * self.step[1].to_radians() * meridian).abs()
    }
}
