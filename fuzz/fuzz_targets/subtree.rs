#![no_main]
// A subtree file read as the subtree of a quadtree's root, three levels deep.
const TILESET: &str = r#"{"asset": {"version": "1.1"}, "geometricError": 100, "root": {
    "boundingVolume": {"box": [0,0,0, 100,0,0, 0,100,0, 0,0,10]}, "geometricError": 50, "refine": "REPLACE",
    "content": {"uri": "{level}/{x}/{y}.glb"},
    "implicitTiling": {"subdivisionScheme": "QUADTREE", "subtreeLevels": 3, "availableLevels": 6,
                        "subtrees": {"uri": "{level}.{x}.{y}.subtree"}}}}"#;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let json = city_tiles::TilesetJson::parse(TILESET.as_bytes(), "tileset.json").expect("the fixed tileset parses");
    let mut tree = city_tiles::TileTree::from_tileset(&json, "tileset.json").expect("the fixed tileset is a tree");
    let root = tree.root();
    let _ = city_tiles::expand_subtree(&mut tree, root, data);
});
