//! `citytwin import`: parses the options, runs `cim_import::import` under a progress bar, and
//! prints what it read and wrote. The rules of an import (formats, CRS, BIM in a city, the
//! output folder) live in the library.
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use cim_import::{ImportOptions, ImportReport, Placement, Progress, ReadOptions, Skipped, TilingOptions};
use city_core::peak_resident_bytes;
use city_core::{Crs, Lod};

/// The options of `citytwin import`.
#[derive(clap::Args, Debug, Clone)]
pub struct ImportArgs {
    /// CityJSON (.json, .city.json), CityJSONSeq (.city.jsonl), CityGML 2.0/3.0 (.gml,
    /// .xml), GeoJSON footprints (.geojson), OSM extracts (.osm.pbf), IFC2X3/IFC4 building
    /// models (.ifc, element by element) and BIM as glTF (.glb, .gltf: a node per element,
    /// ids and properties in its extras; needs --place); footprints are extruded to LoD1.
    /// Zip archives (every such file inside) and gzipped files (.json.gz, .gml.gz...) are
    /// unpacked beside the output first. A DEM as GeoTIFF (.tif, .tiff: heights in one band,
    /// any EPSG CRS) becomes a terrain tileset instead: a quadtree of meshes whose geometric
    /// error is each level's measured height error; import it on its own. So do LAS/LAZ
    /// point clouds (.las, .laz; several make one terrain): their ground points (class 2)
    /// averaged per --cell, the cells between filled from around them.
    #[arg(required = true)]
    pub inputs: Vec<PathBuf>,
    /// Output folder (replaced when the import succeeds).
    #[arg(short, long)]
    pub out: PathBuf,
    /// The CRS of inputs that declare none, e.g. EPSG:7415 (GeoJSON and OSM are WGS84);
    /// for CityGML it overrides the file's srsName.
    #[arg(long)]
    pub crs: Option<String>,
    /// Level of detail to tile, e.g. 1.2 or 2.2 (default: each object's highest).
    #[arg(long)]
    pub lod: Option<String>,
    /// GeoJSON and OSM: the attribute holding the height (metres) when `height` and
    /// `building:levels` are absent.
    #[arg(long)]
    pub height_attr: Option<String>,
    /// GeoJSON and OSM: the height of buildings that give none, metres (a warning counts
    /// them).
    #[arg(long, default_value_t = 10.0)]
    pub default_height: f64,
    /// Texture images larger than this (pixels, longer side) are scaled down in the tiles;
    /// 0 embeds them as they are.
    #[arg(long, default_value_t = 2048)]
    pub max_texture: u32,
    /// Embed each texture image as it is instead of packing the images a tile uses into one
    /// atlas (images whose coordinates repeat are never packed).
    #[arg(long)]
    pub no_atlas: bool,
    /// IFC: where the model's origin stands, `lat,lon,height[,rotation_deg]` (rotation
    /// counter-clockwise from above; 0 puts the model's +y on true north). Overrides the
    /// model's IfcMapConversion or IfcSite reference point; required when it has neither.
    #[arg(long, allow_hyphen_values = true)]
    pub place: Option<String>,
    /// With a city and a BIM model together: keep the city's buildings that the BIM
    /// building stands on (by default a city building more than half under the BIM
    /// model's outline is left out, the BIM building replacing it).
    #[arg(long)]
    pub keep_city_buildings: bool,
    /// A DEM (GeoTIFF) to check the buildings' bases against: the summary counts those that
    /// float or are buried (more than 1 m from the ground under them).
    #[arg(long, value_name = "DEM")]
    pub terrain: Option<PathBuf>,
    /// With --terrain: set each building that floats or is buried on the ground (moved
    /// vertically, whole).
    #[arg(long, requires = "terrain")]
    pub fix_ground: bool,
    /// Point clouds: the DTM's cell size, in CRS units (metres).
    #[arg(long, default_value_t = 1.0)]
    pub cell: f64,
    /// Terrain: the leaves' largest height difference from the DEM at its pixels, metres (each
    /// level up doubles it); the meshes are TINs, dense where the ground is rough. 0 keeps
    /// every pixel.
    #[arg(long, default_value_t = 0.1)]
    pub max_error: f64,
    /// Terrain: cells along a tile's side (each level halves the cell size until a cell is
    /// one pixel).
    #[arg(long, default_value_t = 64)]
    pub terrain_grid: usize,
    /// Terrain: a DEM wider or taller than this many pixels is read and tiled block by block
    /// (the blocks' subtrees as external tilesets), so memory stays bounded whatever its size:
    /// about 8 bytes a pixel of a block, a block per core.
    #[arg(long, default_value_t = 4096)]
    pub terrain_block: usize,
    /// Terrain: imagery draped on it, baked into each tile as a texture. An RGB GeoTIFF (any
    /// EPSG CRS, reprojected), an MBTiles file (.mbtiles, PNG or JPEG tiles), or a tile URL
    /// template: XYZ `https://host/{z}/{x}/{y}.png`, TMS with `{-y}`, or WMTS's RESTful
    /// `{TileMatrix}/{TileRow}/{TileCol}` on GoogleMapsCompatible. Fetched tiles are cached
    /// (in `imagery/` of the cache folder). Repeat it to layer sources, the last on top; tiles
    /// that fail (404, not an image) are counted and show the ground.
    #[arg(long, value_name = "SOURCE")]
    pub imagery: Vec<String>,
    /// The credit the imagery's licence asks for (else an MBTiles file's own is used): kept in
    /// the tileset and each tile's glTF `asset.copyright`, shown by viewers.
    #[arg(long, value_name = "TEXT", requires = "imagery")]
    pub imagery_attribution: Option<String>,
    /// The deepest zoom level a URL source's server has (tiles deeper are drawn from it).
    #[arg(long, value_name = "Z", default_value_t = 19, value_parser = clap::value_parser!(u8).range(0..=30))]
    pub imagery_max_zoom: u8,
}

impl ImportArgs {
    /// The library's options from the command line's, every value checked.
    fn options(&self) -> Result<ImportOptions> {
        if !(self.default_height.is_finite() && self.default_height > 0.0) {
            bail!("--default-height must be a positive number of metres, not {}", self.default_height);
        }
        let lod = match &self.lod {
            None => cim_import::LodChoice::Highest,
            Some(l) => cim_import::LodChoice::Exact(
                Lod::parse(l).with_context(|| format!("--lod {l:?}: expected e.g. 1, 1.2 or 2.2"))?,
            ),
        };
        let place =
            self.place.as_deref().map(Placement::parse).transpose().map_err(|e| anyhow::anyhow!("--place {e}"))?;
        Ok(ImportOptions {
            out: self.out.clone(),
            read: ReadOptions {
                lod,
                crs: self.crs.as_deref().map(Crs::parse).transpose().context("--crs")?,
                extrude: cim_import::ExtrudeOptions {
                    height_attr: self.height_attr.clone(),
                    default_height_m: self.default_height,
                },
                place,
            },
            tiling: TilingOptions { max_texture_px: self.max_texture, atlas: !self.no_atlas, ..Default::default() },
            keep_city_buildings: self.keep_city_buildings,
            terrain: self.terrain.clone(),
            fix_ground: self.fix_ground,
        })
    }
}

/// Runs `citytwin import`.
pub fn run(args: &ImportArgs) -> Result<()> {
    // Archives first (a DEM comes zipped as often as a city model), so what is inside decides.
    let unpacked = cim_import::unpack_inputs(&args.inputs, &args.out)?;
    let files = &unpacked.files;
    let dems = files.iter().filter(|p| cim_import::Dem::is_dem(p)).count();
    let clouds = files.iter().filter(|p| cim_import::is_point_cloud(p)).count();
    if dems + clouds > 0 {
        return run_terrain(args, files, dems, clouds);
    }
    if !args.imagery.is_empty() {
        bail!("--imagery drapes terrain: give it with a DEM or point clouds (import the city on its own)");
    }
    let opts = args.options()?;
    let bar = Bar::new(files.len());
    let report = cim_import::import(files, &opts, &bar);
    bar.0.finish_and_clear();
    print_summary(&report?, &opts.out);
    Ok(())
}

/// `citytwin import dem.tif -o DIR` or `citytwin import cloud.laz... -o DIR`: a terrain tileset.
fn run_terrain(args: &ImportArgs, files: &[std::path::PathBuf], dems: usize, clouds: usize) -> Result<()> {
    if dems + clouds != files.len() || dems > 1 || (dems > 0 && clouds > 0) {
        bail!(
            "import one DEM, or point clouds, on their own ({dems} DEMs and {clouds} point clouds given with {} \
             other inputs): a terrain tileset is its own tileset; list it beside the city's in a scene ([[tilesets]])",
            files.len() - dems - clouds
        );
    }
    if !(2..=1024).contains(&args.terrain_grid) {
        bail!("--terrain-grid {}: give 2 to 1024 cells", args.terrain_grid);
    }
    let crs = args.crs.as_deref().map(Crs::parse).transpose().context("--crs")?;
    let file = &files[0];
    let bar = Bar::new(1);
    bar.reading(file, 0);
    let started = std::time::Instant::now();
    // A point cloud's DTM is made in memory; a DEM is opened by its tags and read by windows.
    let source = if clouds > 0 {
        let (dem, st) = cim_import::dtm_from_point_clouds(files, crs.as_ref(), args.cell)?;
        bar.say(format!(
            "{} points, {} ground (class 2): {} x {} cells of {} m, {} measured, {} filled from around them",
            st.points, st.ground_points, dem.width, dem.height, args.cell, st.cells_measured, st.cells_filled
        ));
        TerrainSource::Dtm(dem)
    } else {
        TerrainSource::File(cim_import::DemFile::open(file, crs.as_ref())?)
    };
    let dem = match &source {
        TerrainSource::Dtm(d) => d,
        TerrainSource::File(f) => f.header(),
    };
    if !(args.max_error.is_finite() && args.max_error >= 0.0) {
        bail!("--max-error {}: give metres, 0 or more", args.max_error);
    }
    if args.terrain_block < 2 * args.terrain_grid {
        bail!("--terrain-block {}: give at least twice --terrain-grid ({})", args.terrain_block, args.terrain_grid);
    }
    let opts =
        cim_import::TerrainOptions { grid: args.terrain_grid, max_error: args.max_error, block: args.terrain_block };
    let imagery_opts = cim_import::ImageryOptions {
        attribution: args.imagery_attribution.clone(),
        cache: None,
        max_zoom: Some(args.imagery_max_zoom),
    };
    let imagery = args
        .imagery
        .iter()
        .map(|source| cim_import::open_imagery(source, &imagery_opts).with_context(|| format!("--imagery {source}")))
        .collect::<Result<Vec<_>>>()?;
    let summary = match &source {
        TerrainSource::Dtm(dtm) => cim_import::write_terrain(dtm, &args.out, &opts, &imagery, &bar),
        TerrainSource::File(f) => cim_import::write_terrain_file(f, &args.out, &opts, &imagery, &bar),
    };
    bar.0.finish_and_clear();
    let s = summary?;
    for w in &s.warnings {
        eprintln!("warning: {w}");
    }
    // Reading included: the whole import's time.
    let seconds = started.elapsed().as_secs_f64();
    eprintln!(
        "{} x {} DEM ({} pixels with a height) in {}: {} levels, {} tiles, {} triangles ({} in the \
         leaves), {:.1} MB of GLB; geometric error {:.3} m at the root, {:.3} m at the leaves; {:.3} s \
         ({:.2} Mpixels/s), peak memory {}; -> {}",
        dem.width,
        dem.height,
        s.pixels,
        dem.crs.as_ref().map(|c| format!("EPSG:{}", c.epsg())).unwrap_or_default(),
        s.levels,
        s.tiles,
        s.triangles,
        s.leaf_triangles,
        s.glb_bytes as f64 / 1e6,
        s.root_error_m,
        s.leaf_error_m,
        seconds,
        s.pixels as f64 / 1e6 / seconds.max(1e-9),
        peak_resident_bytes().map(|b| format!("{:.0} MiB", b as f64 / 1_048_576.0)).unwrap_or_else(|| "unknown".into()),
        args.out.display()
    );
    if !imagery.is_empty() {
        let tiles = if s.imagery_tiles > 0 { format!(" ({} tiles read)", s.imagery_tiles) } else { String::new() };
        eprintln!("imagery draped from {}{tiles}", args.imagery.join(", "));
    }
    Ok(())
}

/// What terrain is made from: a point cloud's DTM, in memory, or a DEM file read by windows.
enum TerrainSource {
    Dtm(cim_import::Dem),
    File(cim_import::DemFile),
}

/// The progress bar: a file at a time while reading, then tiles.
struct Bar(indicatif::ProgressBar);

impl Bar {
    fn new(files: usize) -> Self {
        Self(
            indicatif::ProgressBar::new(files as u64).with_style(
                indicatif::ProgressStyle::with_template("{spinner} {msg} [{bar:30}] {pos}/{len} {elapsed}")
                    .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
            ),
        )
    }

    fn say(&self, line: String) {
        self.0.suspend(|| eprintln!("{line}"));
    }
}

impl Progress for Bar {
    fn reading(&self, file: &Path, objects: usize) {
        self.0.set_message(if objects == 0 {
            format!("reading {}", file.display())
        } else {
            format!("reading {}: {objects} objects", file.display())
        });
    }

    fn files_read(&self, done: usize, total: usize) {
        // Archives unpack into more files than were named.
        self.0.set_length(total as u64);
        self.0.set_position(done as u64);
    }

    fn skipped(&self, what: &Skipped) {
        self.say(format!("skipped: {what}"));
    }

    fn warning(&self, what: &Skipped) {
        self.say(format!("warning: {what}"));
    }

    fn replaced(&self, ids: &[String]) {
        let shown: Vec<&str> = ids.iter().take(10).map(String::as_str).collect();
        self.say(format!(
            "{} city buildings replaced by the BIM model standing there (--keep-city-buildings keeps them): {}{}",
            ids.len(),
            shown.join(", "),
            if ids.len() > shown.len() { ", ..." } else { "" }
        ));
        self.0.set_message("tiling");
    }

    fn tiling(&self, done: u64, total: u64) {
        if done <= 1 {
            self.0.set_message("tiling");
        }
        self.0.set_length(total);
        self.0.set_position(done);
    }
}

/// What was read and written, for people: one line, then the terrain check and the hazard
/// zones when there are any.
fn print_summary(r: &ImportReport, out: &Path) {
    let summary = &r.tiling;
    eprintln!(
        "{} objects read, {} skipped (listed above); {} features in {} tiles, {:.1} MB of GLB; \
         {} without geometry in the chosen LoD; {:.2} s ({:.0} objects/s), peak memory {}; -> {}",
        r.objects,
        r.skipped.len(),
        summary.features,
        summary.tiles,
        summary.glb_bytes as f64 / 1e6,
        summary.without_geometry,
        r.seconds,
        r.objects as f64 / r.seconds.max(1e-9),
        peak_resident_bytes().map(|b| format!("{:.0} MiB", b as f64 / 1_048_576.0)).unwrap_or_else(|| "unknown".into()),
        out.display()
    );
    let ground_line = |g: &cim_import::GroundCheck| {
        let worst =
            g.worst.as_ref().map(|(id, d)| format!("; the largest difference {d:+.2} m ({id})")).unwrap_or_default();
        format!(
            "{} within {} m ({} within 0.5 m), {} above it, {} below it, {} without terrain below{worst}",
            g.on_ground,
            cim_import::ON_GROUND_M,
            g.within_half_m,
            g.above,
            g.below,
            g.outside
        )
    };
    if let Some(g) = &r.ground_before_fix {
        eprintln!("buildings on the terrain before --fix-ground: {}", ground_line(g));
        eprintln!("--fix-ground set {} buildings on the ground", r.ground_fixed);
    }
    if let Some(g) = &summary.ground {
        eprintln!("buildings on the terrain: {}", ground_line(g));
    }
    if summary.hazards > 0 {
        eprintln!(
            "{} hazard zones -> {} (read by `citytwin impact` and `citytwin view` on this tileset)",
            summary.hazards,
            out.join(city_core::HAZARDS_FILE).display()
        );
    }
}
