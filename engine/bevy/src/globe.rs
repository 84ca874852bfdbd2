//! The default ground everywhere: a neutral globe (the WGS 84 ellipsoid) with a graticule, so
//! an empty scene, or a city without terrain, still has a horizon and a sense of where north
//! is. Terrain and the city's own ground are drawn over it.
//!
//! The globe is one mesh around the point under the eye, rebuilt as the eye moves: rings at
//! angular distances growing geometrically from a few metres out to past the horizon, so it is
//! fine where the eye is near and coarse where the ground is far and foreshortened, and every
//! vertex is exact on the ellipsoid (computed in f64, then made relative to the nadir). The
//! graticule is a texture repeated every `spacing` degrees of longitude and latitude, the
//! spacing chosen from the eye's height (10° from space, down to 0.0001° over a street), with
//! its mipmaps made here so far lines fade instead of shimmering.
//!
//! It sits `below_m` under the ellipsoid: 2 m below the lowest tile drawn (of those smaller
//! than 50 km), so a city whose heights are below the ellipsoid (a polder, or ellipsoidal
//! heights where the geoid is low) is never covered by it.
use bevy::asset::RenderAssetUsages;
use bevy::image::{Image, ImageAddressMode, ImageFilterMode, ImageSampler, ImageSamplerDescriptor};
use bevy::mesh::{Indices, Mesh, PrimitiveTopology};
use bevy::prelude::*;
use bevy::render::render_resource::{Extent3d, TextureDimension, TextureFormat};
use city_core::vec3::dot;
use city_core::{EnuFrame, Geodetic, Vec3 as DVec3, ecef_from_geodetic, geodetic_from_ecef};
use city_tiles::Mat4 as DMat4;

use crate::floating_origin::{FloatingOrigin, WorldPlacement};
use crate::shared_materials::GROUND_DEPTH_BIAS;
use crate::tile_layers::Layers;

/// Rings around the nadir (after the centre vertex) and spokes around each.
const RINGS: usize = 56;
const SPOKES: usize = 72;

/// WGS 84's equatorial radius, metres.
const RADIUS_M: f64 = 6_378_137.0;

/// The globe's clearance under the lowest tile drawn, metres.
const CLEARANCE_M: f64 = 2.0;

/// Tiles larger than this (in radius) are not asked how low they go: a continent's root box
/// reaches far under the ground at its corners.
const SMALL_TILE_M: f64 = 50_000.0;

/// The graticule texture's side, pixels.
const TEXTURE: usize = 256;

/// The globe's state: shown or not, how far under the ellipsoid, and what its mesh was built for.
#[derive(Resource, Debug, Clone)]
pub struct Globe {
    /// Drawn or not (the layers panel's "globe").
    pub shown: bool,
    /// Metres under the ellipsoid.
    pub below_m: f64,
    /// The graticule's spacing, degrees.
    pub spacing_deg: f64,
    built: Option<(Geodetic, f64, f64, f64)>,
    mesh: Handle<Mesh>,
}

/// Marks the globe's entity.
#[derive(Component, Debug, Clone, Copy)]
pub struct GlobeSurface;

/// Adds the globe, shown at the start or not.
#[derive(Debug, Clone, Copy)]
pub struct GlobePlugin {
    /// Drawn at the start.
    pub shown: bool,
}

impl Default for GlobePlugin {
    fn default() -> Self {
        Self { shown: true }
    }
}

impl Plugin for GlobePlugin {
    fn build(&self, app: &mut App) {
        let shown = self.shown;
        app.add_systems(
            Startup,
            move |commands: Commands<'_, '_>,
                  meshes: ResMut<'_, Assets<Mesh>>,
                  images: ResMut<'_, Assets<Image>>,
                  materials: ResMut<'_, Assets<StandardMaterial>>| {
                spawn_globe(commands, meshes, images, materials, shown)
            },
        )
        .add_systems(
            Update,
            follow_the_eye.after(crate::plugins::ViewerSet::Stream).before(crate::plugins::ViewerSet::Place),
        );
    }
}

fn spawn_globe(
    mut commands: Commands<'_, '_>,
    mut meshes: ResMut<'_, Assets<Mesh>>,
    mut images: ResMut<'_, Assets<Image>>,
    mut materials: ResMut<'_, Assets<StandardMaterial>>,
    shown: bool,
) {
    let mesh = meshes.add(Mesh::new(PrimitiveTopology::TriangleList, RenderAssetUsages::default()));
    let material = materials.add(StandardMaterial {
        base_color_texture: Some(images.add(graticule_image())),
        perceptual_roughness: 1.0,
        // Further back than terrain: where both are, terrain wins.
        depth_bias: 2.0 * GROUND_DEPTH_BIAS,
        cull_mode: None,
        ..default()
    });
    commands.spawn((
        Mesh3d(mesh.clone()),
        MeshMaterial3d(material),
        Transform::default(),
        WorldPlacement(DMat4::IDENTITY),
        GlobeSurface,
        crate::split_view::both_halves(),
    ));
    commands.insert_resource(Globe { shown, below_m: CLEARANCE_M, spacing_deg: 10.0, built: None, mesh });
}

/// Each frame: the globe's depth under the lowest tile drawn, and its mesh rebuilt when the eye
/// has moved or risen enough for it to matter.
fn follow_the_eye(
    origin: Res<'_, FloatingOrigin>,
    layers: Res<'_, Layers>,
    globe: Option<ResMut<'_, Globe>>,
    mut meshes: ResMut<'_, Assets<Mesh>>,
    mut q: Query<'_, '_, (&mut WorldPlacement, &mut Visibility), With<GlobeSurface>>,
) {
    let Some(mut globe) = globe else { return };
    let Ok((mut place, mut vis)) = q.single_mut() else { return };
    let want = if globe.shown { Visibility::Inherited } else { Visibility::Hidden };
    if *vis != want {
        *vis = want;
    }
    let lowest = layers
        .0
        .iter()
        .filter(|l| l.visible)
        .flat_map(|l| l.last.render.iter().map(move |t| l.streamer.tree.get(*t)))
        .filter(|t| t.radius_m < SMALL_TILE_M)
        .map(|t| lowest_point(t.bounds.center, &t.bounds.half_axes))
        .fold(f64::INFINITY, f64::min);
    let below = if lowest.is_finite() { (CLEARANCE_M - lowest).max(CLEARANCE_M) } else { CLEARANCE_M };
    let eye = geodetic_from_ecef(origin.origin);
    let altitude = (eye.height_m + below).max(1.0);
    let spacing = graticule_spacing(altitude);
    let stale = match globe.built {
        None => true,
        Some((nadir, alt, b, s)) => {
            let moved = ecef_distance(nadir, eye);
            moved > 0.05 * alt || !(0.9..1.1).contains(&(altitude / alt)) || (b - below).abs() > 0.5 || s != spacing
        }
    };
    if !stale {
        return;
    }
    let nadir = Geodetic { height_m: -below, ..eye };
    let (mesh, centre) = globe_mesh(nadir, altitude, spacing);
    meshes.insert(&globe.mesh, mesh).ok();
    place.0 = DMat4::from_translation(centre);
    globe.below_m = below;
    globe.spacing_deg = spacing;
    globe.built = Some((eye, altitude, below, spacing));
}

/// The ellipsoidal height of an oriented box's lowest point along the vertical at its centre.
fn lowest_point(center: DVec3, half_axes: &[DVec3; 3]) -> f64 {
    let g = geodetic_from_ecef(center);
    let up = EnuFrame::at(g).axes[2];
    g.height_m - half_axes.iter().map(|a| dot(*a, up).abs()).sum::<f64>()
}

fn ecef_distance(a: Geodetic, b: Geodetic) -> f64 {
    let (p, q) =
        (ecef_from_geodetic(Geodetic { height_m: 0.0, ..a }), ecef_from_geodetic(Geodetic { height_m: 0.0, ..b }));
    ((p[0] - q[0]).powi(2) + (p[1] - q[1]).powi(2) + (p[2] - q[2]).powi(2)).sqrt()
}

/// The graticule's spacing for an eye this high: about one line per height's width of ground,
/// on a 1-2-5 scale, 0.0001° to 10°.
pub fn graticule_spacing(altitude_m: f64) -> f64 {
    let want = altitude_m / 111_320.0;
    (-4..=1).flat_map(|e| [1.0, 2.0, 5.0].map(|m| m * 10f64.powi(e))).find(|&s| s >= want && s <= 10.0).unwrap_or(10.0)
}

/// The globe's mesh around `nadir` (its height the globe's) for an eye `altitude_m` above it,
/// and the ECEF point its vertices are relative to.
pub fn globe_mesh(nadir: Geodetic, altitude_m: f64, spacing_deg: f64) -> (Mesh, DVec3) {
    let centre = ecef_from_geodetic(nadir);
    // Out to past the horizon (angle at the Earth's centre), at most a hemisphere.
    let horizon = ((2.0 * RADIUS_M * altitude_m + altitude_m * altitude_m).sqrt() / RADIUS_M).atan();
    let outer = (horizon * 1.5 + 1e-6).min(std::f64::consts::FRAC_PI_2);
    let inner = (altitude_m * 0.01 / RADIUS_M).min(outer / 10.0);
    let (lat0, lon0) = (nadir.lat(), nadir.lon());
    // UVs relative to a grid line near the nadir, so they stay small numbers.
    let (lon_ref, lat_ref) =
        ((nadir.lon_deg / spacing_deg).floor() * spacing_deg, (nadir.lat_deg / spacing_deg).floor() * spacing_deg);
    let mut positions = Vec::with_capacity(1 + RINGS * SPOKES);
    let mut normals = Vec::with_capacity(positions.capacity());
    let mut uvs = Vec::with_capacity(positions.capacity());
    let mut vertex = |lat: f64, lon: f64| {
        let g = Geodetic { lon_deg: lon.to_degrees(), lat_deg: lat.to_degrees(), height_m: nadir.height_m };
        let p = ecef_from_geodetic(g);
        let up = EnuFrame::at(g).axes[2];
        positions.push([(p[0] - centre[0]) as f32, (p[1] - centre[1]) as f32, (p[2] - centre[2]) as f32]);
        normals.push([up[0] as f32, up[1] as f32, up[2] as f32]);
        uvs.push([((g.lon_deg - lon_ref) / spacing_deg) as f32, ((lat_ref - g.lat_deg) / spacing_deg) as f32]);
    };
    vertex(lat0, lon0);
    for k in 0..RINGS {
        let theta = inner * (outer / inner).powf(k as f64 / (RINGS - 1) as f64);
        for j in 0..SPOKES {
            // The point `theta` away from the nadir along azimuth `a` (a sphere's great circle:
            // the positions are exact on the ellipsoid, only their spacing is spherical).
            let a = std::f64::consts::TAU * j as f64 / SPOKES as f64;
            let lat = (lat0.sin() * theta.cos() + lat0.cos() * theta.sin() * a.cos()).clamp(-1.0, 1.0).asin();
            let lon = lon0 + (a.sin() * theta.sin() * lat0.cos()).atan2(theta.cos() - lat0.sin() * lat.sin());
            vertex(lat, lon);
        }
    }
    let ring = |k: usize, j: usize| (1 + k * SPOKES + j % SPOKES) as u32;
    let mut indices = Vec::with_capacity(6 * RINGS * SPOKES);
    for j in 0..SPOKES {
        indices.extend([0, ring(0, j), ring(0, j + 1)]);
    }
    for k in 0..RINGS - 1 {
        for j in 0..SPOKES {
            indices.extend([
                ring(k, j),
                ring(k + 1, j),
                ring(k + 1, j + 1),
                ring(k, j),
                ring(k + 1, j + 1),
                ring(k, j + 1),
            ]);
        }
    }
    let mut mesh = Mesh::new(PrimitiveTopology::TriangleList, RenderAssetUsages::default())
        .with_inserted_attribute(Mesh::ATTRIBUTE_POSITION, positions)
        .with_inserted_attribute(Mesh::ATTRIBUTE_NORMAL, normals)
        .with_inserted_attribute(Mesh::ATTRIBUTE_UV_0, uvs);
    mesh.insert_indices(Indices::U32(indices));
    (mesh, centre)
}

/// One cell of the graticule: a neutral grey-green with a darker line along two edges (which,
/// repeated, outline every cell), and its mipmaps down to one pixel.
fn graticule_image() -> Image {
    let (ground, line) = ([182u8, 189, 176, 255], [118u8, 126, 118, 255]);
    let mut level: Vec<[f32; 4]> = (0..TEXTURE * TEXTURE)
        .map(|i| {
            let (x, y) = (i % TEXTURE, i / TEXTURE);
            let c = if x < 2 || y < 2 { line } else { ground };
            c.map(|v| srgb_to_linear(f32::from(v) / 255.0))
        })
        .collect();
    let mut data = Vec::new();
    let mut side = TEXTURE;
    let mut levels = 0;
    loop {
        data.extend(level.iter().flat_map(|c| c.map(|v| (linear_to_srgb(v) * 255.0).round() as u8)));
        levels += 1;
        if side == 1 {
            break;
        }
        // Each level the mean of the one above, 2 x 2 (in linear light).
        let half = side / 2;
        level = (0..half * half)
            .map(|i| {
                let (x, y) = (2 * (i % half), 2 * (i / half));
                let px = |dx: usize, dy: usize| level[(y + dy) * side + x + dx];
                std::array::from_fn(|k| (px(0, 0)[k] + px(1, 0)[k] + px(0, 1)[k] + px(1, 1)[k]) / 4.0)
            })
            .collect();
        side = half;
    }
    let size = Extent3d { width: TEXTURE as u32, height: TEXTURE as u32, depth_or_array_layers: 1 };
    let mut image =
        Image::new_uninit(size, TextureDimension::D2, TextureFormat::Rgba8UnormSrgb, RenderAssetUsages::default());
    image.data = Some(data);
    image.texture_descriptor.mip_level_count = levels;
    image.sampler = ImageSampler::Descriptor(ImageSamplerDescriptor {
        address_mode_u: ImageAddressMode::Repeat,
        address_mode_v: ImageAddressMode::Repeat,
        mag_filter: ImageFilterMode::Linear,
        min_filter: ImageFilterMode::Linear,
        mipmap_filter: ImageFilterMode::Linear,
        anisotropy_clamp: 8,
        ..default()
    });
    image
}

fn srgb_to_linear(c: f32) -> f32 {
    if c <= 0.04045 { c / 12.92 } else { ((c + 0.055) / 1.055).powf(2.4) }
}

fn linear_to_srgb(c: f32) -> f32 {
    if c <= 0.003_130_8 { 12.92 * c } else { 1.055 * c.powf(1.0 / 2.4) - 0.055 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_globe_lies_on_the_ellipsoid_and_reaches_past_the_horizon() {
        for (lon, lat, below, altitude) in
            [(4.37, 52.01, 2.0, 300.0), (113.57, 22.27, 30.0, 20_000.0), (0.0, 89.9, 2.0, 5e6)]
        {
            let nadir = Geodetic::from_deg(lon, lat, -below);
            let (mesh, centre) = globe_mesh(nadir, altitude, graticule_spacing(altitude));
            let Some(bevy::mesh::VertexAttributeValues::Float32x3(p)) = mesh.attribute(Mesh::ATTRIBUTE_POSITION) else {
                panic!("no positions")
            };
            let mut farthest: f64 = 0.0;
            for v in p {
                let ecef = [centre[0] + f64::from(v[0]), centre[1] + f64::from(v[1]), centre[2] + f64::from(v[2])];
                let g = geodetic_from_ecef(ecef);
                // f32 offsets: exact to a part in 10^7 of their length.
                let tol = 0.01 + 1e-7 * f64::from(v[0].abs() + v[1].abs() + v[2].abs());
                assert!((g.height_m + below).abs() < tol, "{lon} {lat}: a vertex at {} m", g.height_m);
                farthest = farthest.max(f64::from(v[0]).hypot(f64::from(v[1])).hypot(f64::from(v[2])));
            }
            let horizon = (2.0 * RADIUS_M * altitude).sqrt();
            assert!(
                farthest > horizon.min(RADIUS_M),
                "{lon} {lat}: the globe ends at {farthest} m, the horizon is {horizon} m"
            );
        }
    }

    #[test]
    fn graticule_spacing_grows_with_height_on_a_1_2_5_scale() {
        assert_eq!(graticule_spacing(10.0), 0.0001);
        assert!((graticule_spacing(300.0) - 0.005).abs() < 1e-12, "{}", graticule_spacing(300.0));
        assert!((graticule_spacing(200_000.0) - 2.0).abs() < 1e-9, "{}", graticule_spacing(200_000.0));
        assert_eq!(graticule_spacing(1e8), 10.0);
        let mut last = 0.0;
        for h in [1.0, 50.0, 1e3, 1e4, 1e5, 1e6, 1e7] {
            let s = graticule_spacing(h);
            assert!(s >= last, "{h}: {s} after {last}");
            last = s;
        }
    }

    #[test]
    fn the_lowest_point_of_a_box_counts_its_half_axes_along_the_vertical() {
        let g = Geodetic::from_deg(4.37, 52.01, 10.0);
        let f = EnuFrame::at(g);
        let centre = ecef_from_geodetic(g);
        // A box 40 m tall, turned about the vertical: its bottom is 20 m under its centre.
        let [e, n, u] = f.axes;
        let axes = [e.map(|v| v * 100.0), n.map(|v| v * 50.0), u.map(|v| v * 20.0)];
        assert!((lowest_point(centre, &axes) - (-10.0)).abs() < 1e-6);
    }
}
