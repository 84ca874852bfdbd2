//! The options of `citytwin view` (parsed here even without the viewer, so `--help` is the same).
use std::path::PathBuf;

/// Open the viewer on a scene file (.toml), a tileset (tileset.json or its folder), or, with
/// nothing given, the built-in demo city (generated on first run and cached).
///
/// Mouse: left-drag turns, right-drag pans, the wheel zooms towards the cursor, a click picks a
/// building (or a sensor's marker) and shows its attributes (or its time series). Keys:
/// W/A/S/D/Q/E fly, 1-9 fly to the scene's bookmarks, F12 saves a screenshot. Needs a display
/// (or xvfb-run).
#[derive(clap::Parser, Debug, Clone)]
pub struct ViewArgs {
    /// A scene (.toml), a tileset.json, or a folder holding one.
    pub target: Option<PathBuf>,
    /// Memory budget for loaded tiles, MiB: over it, detail drops and the panel says so.
    #[arg(long = "memory", default_value_t = 1024)]
    pub memory_mib: usize,
    /// Frame-time budget, ms: slower frames drop detail.
    #[arg(long)]
    pub frame_budget_ms: Option<f64>,
    /// Write a PNG once every selected tile has loaded, then exit.
    #[arg(long)]
    pub screenshot: Option<PathBuf>,
    /// Before the screenshot, pick at this pixel ("X,Y" or "center") and print the feature.
    #[arg(long)]
    pub click: Option<String>,
    /// Start looking straight down at this feature of the tileset (its features.csv id).
    #[arg(long)]
    pub look_at_feature: Option<String>,
    /// Window size.
    #[arg(long, default_value = "1280x720")]
    pub size: String,
    /// Fly to every bookmark in turn, waiting at each until it has loaded, then exit (or take
    /// the screenshot); prints frame times while streaming and at rest.
    #[arg(long)]
    pub tour: bool,
    /// Once everything has loaded, stay this many seconds before the screenshot (frame times
    /// at rest are measured over them: live sensors updating, nothing loading).
    #[arg(long, default_value_t = 0.0)]
    pub hold: f64,
    /// Replay the recorded series (CSV, e.g. NOAA hourly temperatures) in this folder onto the
    /// sensors of the same observed property, an hour of record per second; the simulator
    /// keeps the rest.
    #[arg(long)]
    pub replay: Option<PathBuf>,
    /// Instead of the scene's sensors, N simulated air-temperature sensors on a grid over the
    /// view (0: no sensor layer). For load tests: 100000 is a large city's network.
    #[arg(long)]
    pub sensors: Option<usize>,
    /// Open this sensor's panel (its time series) at start.
    #[arg(long)]
    pub select_sensor: Option<String>,
    /// CAP alert files (1.0-1.2) to show, after the scene's `[emergency]` alerts: their zones,
    /// the buildings inside, the timeline (played back in the order the alerts were sent).
    #[arg(long = "alert")]
    pub alerts: Vec<PathBuf>,
    /// Hazard layers to show as incidents: PLATEAU flood-risk extents (`udx/fld/*.gml`).
    #[arg(long = "hazard")]
    pub hazards: Vec<PathBuf>,
    /// Facilities (OSM-tagged GeoJSON points: hospitals, fire stations, shelters, schools)
    /// listed nearest each incident, instead of the scene's.
    #[arg(long)]
    pub facilities: Option<PathBuf>,
    /// Video wall: COLSxROWS windows of --size each, side by side, showing one large view
    /// with one camera and one tile selection (e.g. 3x2).
    #[arg(long)]
    pub wall: Option<String>,
    /// Fullscreen on this monitor (0: the first); on a wall, screen k on monitor N+k.
    #[arg(long, num_args = 0..=1, default_missing_value = "0")]
    pub fullscreen: Option<usize>,
    /// Split mode: the view twice side by side, the left half in the scene's style and the right
    /// in this one: ATTRIBUTE (a colour per value), ATTRIBUTE:MIN..MAX (a blue-to-red ramp), or
    /// none (each model's own colours). E.g. --split height:0..60.
    #[arg(long)]
    pub split: Option<String>,
    /// No panels: a clean picture for a video wall or a recording.
    #[arg(long)]
    pub no_panels: bool,
    /// No globe: the city and its terrain alone against the sky (the layers panel toggles it
    /// too).
    #[arg(long)]
    pub no_globe: bool,
    /// BIM buildings: show the storeys up to this elevation only (metres, the storey's
    /// `ifc:storey_elevation`; the Building panel lists them).
    #[arg(long)]
    pub top_storey: Option<f64>,
    /// BIM buildings: IFC classes not drawn, e.g. IfcSpace,IfcFurnishingElement.
    #[arg(long, value_delimiter = ',')]
    pub hide_class: Vec<String>,
    /// BIM buildings: IFC classes drawn see-through, e.g. IfcWallStandardCase,IfcSlab.
    #[arg(long, value_delimiter = ',')]
    pub xray_class: Vec<String>,
}

impl Default for ViewArgs {
    fn default() -> Self {
        <Self as clap::Parser>::parse_from(["citytwin-view"])
    }
}
