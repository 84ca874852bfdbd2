fn main() {
    let t = citytwin::data_dir::real_footprint_templates().unwrap();
    let city = city_index::SyntheticCity::generate(1_000_000, 42, &t);
    for _ in 0..5 {
        let s = std::time::Instant::now();
        let idx = city_index::CityIndex::from_boxes(&city.boxes);
        eprintln!("build {:.3}s {}", s.elapsed().as_secs_f64(), idx.len());
    }
}
