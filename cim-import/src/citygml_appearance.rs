//! CityGML appearances: which image textures which ring, with what texture coordinates
//! (`app:ParameterizedTexture` with `app:TexCoordList`, in 2.0's `target uri=` form and 3.0's
//! `TextureAssociation` form). Appearances may sit inside a city object (3DCityDB, Berlin) or
//! as global `app:appearanceMember`s after all the objects (PLATEAU), so `stream_citygml` reads
//! the global ones in a first pass. Texture coordinates are kept by ring `gml:id`: far smaller
//! than the geometry they texture. Images are checked when first named: a missing one is a
//! warning naming the file and the image, and its rings stay untextured.
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use crate::gml_members::Node;

/// The textures of a file, by ring.
#[derive(Debug, Default)]
pub(crate) struct Appearances {
    /// Images found, resolved against the file's folder, in first-use order.
    pub images: Vec<Arc<Path>>,
    by_uri: HashMap<String, Option<u32>>,
    /// Ring `gml:id` -> (image, texture coordinates as written, closing pair included).
    rings: HashMap<String, (u32, Vec<[f32; 2]>)>,
    /// Surface or geometry `gml:id` -> X3DMaterial colour (RGBA).
    colors: HashMap<String, [f32; 4]>,
    /// What was wrong (missing images, bad coordinates).
    pub warnings: Vec<String>,
}

impl Appearances {
    /// Takes in the `ParameterizedTexture`s below `n` (an appearance member or property);
    /// `file` is the CityGML file (images are relative to its folder).
    pub fn add(&mut self, n: &Node, file: &Path) {
        if n.name == "ParameterizedTexture" {
            self.add_texture(n, file);
            return;
        }
        if n.name == "X3DMaterial" {
            self.add_material(n);
            return;
        }
        for c in &n.children {
            self.add(c, file);
        }
    }

    /// An X3DMaterial: its diffuse colour and opacity for each of its targets.
    fn add_material(&mut self, m: &Node) {
        let rgb: Vec<f32> = m
            .child("diffuseColor")
            .map(|c| c.text.split_whitespace().filter_map(|v| v.parse().ok()).collect())
            .unwrap_or_else(|| vec![0.8, 0.8, 0.8]);
        let [r, g, b] = rgb[..] else {
            self.warnings.push(format!("byte {}: an X3DMaterial diffuseColor that is not three numbers", m.at));
            return;
        };
        let transparency: f32 = m.child("transparency").and_then(|t| t.text.parse().ok()).unwrap_or(0.0);
        let rgba = [r, g, b, 1.0 - transparency].map(|c| c.clamp(0.0, 1.0));
        for t in m.children.iter().filter(|c| c.name == "target") {
            self.colors.insert(t.text.trim().trim_start_matches('#').to_owned(), rgba);
        }
    }

    /// The material colour of a surface or geometry, if one targets it.
    pub fn color(&self, id: &str) -> Option<[f32; 4]> {
        self.colors.get(id).copied()
    }

    fn add_texture(&mut self, t: &Node, file: &Path) {
        let Some(uri) = t.child("imageURI").map(|u| u.text.clone()).filter(|u| !u.is_empty()) else {
            self.warnings.push(format!("byte {}: a ParameterizedTexture without imageURI", t.at));
            return;
        };
        let image = match self.by_uri.get(&uri) {
            Some(i) => *i,
            None => {
                let i = match crate::inside_folder::file_beside(file, &uri) {
                    Ok(path) => {
                        self.images.push(path.into());
                        Some(self.images.len() as u32 - 1)
                    }
                    Err(why) => {
                        self.warnings.push(format!("texture image {uri}: {why}: its surfaces stay untextured"));
                        None
                    }
                };
                self.by_uri.insert(uri, i);
                i
            }
        };
        let Some(image) = image else { return };
        let mut lists = Vec::new();
        find(t, "textureCoordinates", &mut lists);
        for (coords, ring) in lists {
            let Some(ring) = ring else {
                self.warnings.push(format!("byte {}: textureCoordinates without a ring", coords.at));
                continue;
            };
            let values: Result<Vec<f32>, _> = coords.text.split_whitespace().map(str::parse::<f32>).collect();
            match values {
                Ok(v) if v.len() % 2 == 0 && v.len() >= 6 => {
                    let uv = v.chunks_exact(2).map(|p| [p[0], p[1]]).collect();
                    self.rings.insert(ring.trim_start_matches('#').to_owned(), (image, uv));
                }
                _ => self.warnings.push(format!(
                    "byte {}: texture coordinates of ring {ring} are not pairs of numbers: ring untextured",
                    coords.at
                )),
            }
        }
    }

    /// The image and coordinates of a ring, if textured.
    pub fn ring(&self, id: &str) -> Option<(u32, &[[f32; 2]])> {
        self.rings.get(id).map(|(i, uv)| (*i, uv.as_slice()))
    }

    /// Image `i`.
    pub fn image(&self, i: u32) -> Arc<Path> {
        self.images[i as usize].clone()
    }
}

/// Every `textureCoordinates` below `n` with its ring id: the `ring` attribute (2.0) or the
/// sibling `ring` element of its `TexCoordList` (3.0).
fn find<'a>(n: &'a Node, name: &str, out: &mut Vec<(&'a Node, Option<String>)>) {
    for (k, c) in n.children.iter().enumerate() {
        if c.name == name {
            let ring = c.attr("ring").map(str::to_owned).or_else(|| {
                // 3.0: <textureCoordinates/> then <ring>#id</ring>, pairwise.
                n.children[k + 1..].iter().find(|s| s.name == "ring").map(|s| s.text.clone())
            });
            out.push((c, ring));
        } else {
            find(c, name, out);
        }
    }
}
