//! What a tile's content decodes to, whatever its format: meshes and point clouds in the tile's
//! frame (z-up, f32 positions relative to an f64 transform), and the features' properties.
use city_core::AttributeValue;

use crate::Mat4;

/// Triangles with one material colour.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MeshPart {
    /// From these positions to the tile's frame (node transforms, glTF y-up to z-up, RTC).
    pub tile_from_mesh: Mat4,
    /// Instances (i3dm): each drawn at `instance * tile_from_mesh`; empty means one, as is.
    pub instances: Vec<Mat4>,
    /// Vertex positions.
    pub positions: Vec<[f32; 3]>,
    /// Vertex normals, when the content has them (else the viewer computes flat ones).
    pub normals: Option<Vec<[f32; 3]>>,
    /// Vertex colours (linear RGBA), when the content has them.
    pub colors: Option<Vec<[f32; 4]>>,
    /// Triangles.
    pub indices: Vec<u32>,
    /// The feature (row of [`DecodedContent::properties`]) of each vertex, when known.
    pub feature_ids: Option<Vec<u32>>,
    /// The material's base colour (linear RGBA).
    pub base_color: [f32; 4],
    /// Texture coordinates per vertex, when the part is textured.
    pub uvs: Option<Vec<[f32; 2]>>,
    /// The material's base colour texture, decoded.
    pub texture: Option<std::sync::Arc<TextureImage>>,
    /// `EXT_structural_metadata` property attributes and property textures: values that vary
    /// over the surface, read where a pick lands (`point_values`).
    pub point_properties: Vec<PointProperty>,
}

/// One property of `EXT_structural_metadata` that varies over a mesh: per vertex (a property
/// attribute) or per texel (a property texture).
#[derive(Debug, Clone, PartialEq)]
pub struct PointProperty {
    /// The class property's name (else its id).
    pub name: String,
    /// Where the values are.
    pub source: PointSource,
    /// The class property's `componentType` (`UINT8`, `FLOAT32`...), for texels.
    pub component_type: String,
    /// Whether integer texels are normalised to [0, 1] or [-1, 1].
    pub normalized: bool,
    /// Applied after normalisation: `value * scale + offset`.
    pub offset: f64,
    /// See `offset`.
    pub scale: f64,
}

/// Where a [`PointProperty`]'s values are.
#[derive(Debug, Clone, PartialEq)]
pub enum PointSource {
    /// `components` values per vertex, as f32 (accessors already normalised).
    Vertex {
        /// Values per vertex.
        components: usize,
        /// Every vertex's values.
        values: Vec<f32>,
    },
    /// A texture: the texel under the vertices' coordinates, its `channels` little-endian.
    Texture {
        /// The property texture, decoded (RGBA8).
        image: std::sync::Arc<TextureImage>,
        /// Its coordinates per vertex (`texCoord` of the property).
        uvs: Vec<[f32; 2]>,
        /// The channels (0 = red) holding the value's bytes, least significant first.
        channels: Vec<u8>,
    },
}

/// A decoded texture image: sRGB RGBA8, rows from the top.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TextureImage {
    /// Width, pixels.
    pub width: u32,
    /// Height, pixels.
    pub height: u32,
    /// `width * height * 4` bytes.
    pub rgba: Vec<u8>,
}

/// Points (pnts, or glTF POINTS primitives).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PointCloud {
    /// From these positions to the tile's frame.
    pub tile_from_points: Mat4,
    /// Positions.
    pub positions: Vec<[f32; 3]>,
    /// Colours (linear RGBA), when given.
    pub colors: Option<Vec<[f32; 4]>>,
}

/// The properties of a content's features: one row per feature id, columns by name.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FeatureProperties {
    /// Rows.
    pub count: usize,
    /// (property name, one value per row).
    pub columns: Vec<(String, Vec<AttributeValue>)>,
}

impl FeatureProperties {
    /// Feature `row`'s properties, (name, value), skipping absent ones.
    pub fn row(&self, row: usize) -> Vec<(&str, &AttributeValue)> {
        self.columns
            .iter()
            .filter_map(|(n, v)| v.get(row).filter(|v| !matches!(v, AttributeValue::Null)).map(|v| (n.as_str(), v)))
            .collect()
    }

    /// The value of property `name` for feature `row`.
    pub fn get(&self, row: usize, name: &str) -> Option<&AttributeValue> {
        self.columns.iter().find(|(n, _)| n == name).and_then(|(_, v)| v.get(row))
    }
}

/// A decoded content.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DecodedContent {
    /// Triangle meshes.
    pub meshes: Vec<MeshPart>,
    /// Point clouds.
    pub points: Vec<PointCloud>,
    /// The features' properties (b3dm batch table, `EXT_structural_metadata` property table).
    pub properties: FeatureProperties,
    /// What was skipped and why (line primitives, textures...), for the log.
    pub notes: Vec<String>,
}

impl DecodedContent {
    /// Bytes held (vertex data, indices, properties): what counts against the memory budget.
    pub fn byte_size(&self) -> usize {
        let mesh: usize = self
            .meshes
            .iter()
            .map(|m| {
                m.positions.len() * 12
                    + m.normals.as_ref().map_or(0, |n| n.len() * 12)
                    + m.colors.as_ref().map_or(0, |c| c.len() * 16)
                    + m.indices.len() * 4
                    + m.feature_ids.as_ref().map_or(0, |f| f.len() * 4)
                    + m.instances.len() * 128
            })
            .sum();
        let points: usize =
            self.points.iter().map(|p| p.positions.len() * 12 + p.colors.as_ref().map_or(0, |c| c.len() * 16)).sum();
        let props: usize = self.properties.columns.iter().map(|(n, v)| n.len() + v.len() * 32).sum();
        mesh + points + props + 256
    }

    /// Moves another content's parts into this one (composite tiles).
    pub fn merge(&mut self, other: DecodedContent) {
        let offset = self.properties.count as u32;
        for mut m in other.meshes {
            if let Some(f) = &mut m.feature_ids {
                f.iter_mut().for_each(|id| *id += offset);
            }
            self.meshes.push(m);
        }
        self.points.extend(other.points);
        for (name, values) in other.properties.columns {
            if !self.properties.columns.iter().any(|(n, _)| *n == name) {
                self.properties.columns.push((name.clone(), vec![AttributeValue::Null; self.properties.count]));
            }
            for (n, col) in &mut self.properties.columns {
                if *n == name {
                    col.resize(self.properties.count, AttributeValue::Null);
                    col.extend(values.iter().cloned());
                }
            }
        }
        self.properties.count += other.properties.count;
        for (_, col) in &mut self.properties.columns {
            col.resize(self.properties.count, AttributeValue::Null);
        }
        self.notes.extend(other.notes);
    }
}
