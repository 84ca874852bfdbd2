//! `citytwin generate`: a synthetic city and query files for `citytwin query` and the
//! benchmarks, with footprint shapes from the real Wuhan footprints in `$CITYTWIN_DATA`.
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use city_index::SyntheticCity;

/// The options of `citytwin generate`.
#[derive(clap::Args, Debug, Clone)]
pub struct GenerateArgs {
    /// Number of buildings.
    #[arg(long, default_value_t = 1_000_000)]
    pub objects: usize,
    /// Number of queries of each kind.
    #[arg(long, default_value_t = 100_000)]
    pub queries: usize,
    /// Random seed: the same seed gives the same city.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Write footprints as `id,wkt` instead of boxes as `id,minx,miny,maxx,maxy`.
    #[arg(long)]
    pub footprints: bool,
    /// Also write the buildings as LoD1 solids to `city.city.jsonl` (CityJSONSeq 2.0,
    /// EPSG:32649), the input of the import benchmark.
    #[arg(long)]
    pub cityjsonseq: bool,
    /// Output folder.
    #[arg(short, long)]
    pub out: PathBuf,
}

/// Runs `citytwin generate`.
pub fn run(args: &GenerateArgs) -> Result<()> {
    generate(args.objects, args.queries, args.seed, args.footprints, &args.out)?;
    if args.cityjsonseq {
        write_cityjsonseq(args.objects, args.seed, &args.out.join("city.city.jsonl"))?;
    }
    Ok(())
}

fn generate(n: usize, queries: usize, seed: u64, footprints: bool, out: &Path) -> Result<()> {
    let templates = citytwin::data_dir::real_footprint_templates()?;
    let city = SyntheticCity::generate(n, seed, &templates);
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    let write = |name: &str, header: &str, rows: &mut dyn Iterator<Item = String>| -> Result<()> {
        let path = out.join(name);
        let mut w = std::io::BufWriter::new(
            std::fs::File::create(&path).with_context(|| format!("creating {}", path.display()))?,
        );
        writeln!(w, "{header}")?;
        for r in rows {
            writeln!(w, "{r}")?;
        }
        w.flush()?;
        eprintln!("wrote {}", path.display());
        Ok(())
    };
    if footprints {
        write(
            "objects.csv",
            "id,wkt",
            &mut (0..n).map(|i| {
                let ring: Vec<String> =
                    city.footprint(i).exterior().0.iter().map(|c| format!("{:.3} {:.3}", c.x, c.y)).collect();
                format!("b{i},\"POLYGON(({}))\"", ring.join(","))
            }),
        )?;
    } else {
        write(
            "objects.csv",
            "id,minx,miny,maxx,maxy",
            &mut city
                .boxes
                .iter()
                .enumerate()
                .map(|(i, b)| format!("b{i},{},{},{},{}", b.min[0], b.min[1], b.max[0], b.max[1])),
        )?;
    }
    let windows = city.windows(queries, seed.wrapping_add(1), 150.0, 250.0);
    write(
        "windows.csv",
        "minx,miny,maxx,maxy",
        &mut windows.iter().map(|b| format!("{},{},{},{}", b.min[0], b.min[1], b.max[0], b.max[1])),
    )?;
    let points = city.points(queries, seed.wrapping_add(2));
    write("points.csv", "x,y", &mut points.iter().map(|p| format!("{},{}", p[0], p[1])))?;
    write("within.csv", "x,y,radius", &mut points.iter().map(|p| format!("{},{},100", p[0], p[1])))?;
    write(
        "polygons.csv",
        "wkt",
        &mut windows.iter().map(|w| {
            let c = w.center();
            format!(
                "\"POLYGON(({} {},{} {},{} {},{} {},{} {}))\"",
                w.min[0], c[1], c[0], w.min[1], w.max[0], c[1], c[0], w.max[1], w.min[0], c[1]
            )
        }),
    )?;
    write(
        "rays.csv",
        "ox,oy,oz,dx,dy,dz",
        &mut points.iter().map(|p| format!("{},{},150,300,300,-150", p[0] - 300.0, p[1] - 300.0)),
    )?;
    Ok(())
}

/// The synthetic city as CityJSONSeq: one CityJSONFeature per building, an LoD1 solid from its
/// footprint, 3-60 m tall, coordinates in millimetres (transform scale 0.001).
fn write_cityjsonseq(n: usize, seed: u64, path: &Path) -> Result<()> {
    let templates = citytwin::data_dir::real_footprint_templates()?;
    let city = SyntheticCity::generate(n, seed, &templates);
    let mut w =
        std::io::BufWriter::new(std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?);
    let header = serde_json::json!({
        "type": "CityJSON", "version": "2.0",
        "transform": {"scale": [0.001, 0.001, 0.001], "translate": [500_000.0, 2_440_000.0, 0.0]},
        "metadata": {"referenceSystem": "https://www.opengis.net/def/crs/EPSG/0/32649"},
        "CityObjects": {}, "vertices": [],
    });
    writeln!(w, "{header}")?;
    for i in 0..n {
        let ring: Vec<[i64; 2]> = city
            .footprint(i)
            .exterior()
            .0
            .iter()
            .map(|c| [((c.x - 500_000.0) * 1000.0).round() as i64, ((c.y - 2_440_000.0) * 1000.0).round() as i64])
            .collect();
        let mut ring = ring[..ring.len().saturating_sub(1)].to_vec(); // CityJSON rings are open
        // Counter-clockwise seen from above, so roofs face up and walls out.
        let twice_area: i64 = (0..ring.len())
            .map(|j| {
                let (a, b) = (ring[j], ring[(j + 1) % ring.len()]);
                a[0] * b[1] - b[0] * a[1]
            })
            .sum();
        if twice_area < 0 {
            ring.reverse();
        }
        let height = 3_000 + (i as i64 * 7_919) % 57_000;
        let k = ring.len();
        let mut vertices: Vec<[i64; 3]> = ring.iter().map(|p| [p[0], p[1], 0]).collect();
        vertices.extend(ring.iter().map(|p| [p[0], p[1], height]));
        // Floor (reversed), roof, walls.
        let floor: Vec<usize> = (0..k).rev().collect();
        let roof: Vec<usize> = (k..2 * k).collect();
        let mut shell = vec![vec![floor], vec![roof]];
        for j in 0..k {
            let n = (j + 1) % k;
            shell.push(vec![vec![j, n, k + n, k + j]]);
        }
        let feature = serde_json::json!({
            "type": "CityJSONFeature", "id": format!("b{i}"),
            "CityObjects": {format!("b{i}"): {"type": "Building", "attributes": {"height": height as f64 / 1000.0, "storeys": height / 3_000},
                "geometry": [{"type": "Solid", "lod": "1", "boundaries": [shell]}]}},
            "vertices": vertices,
        });
        writeln!(w, "{feature}")?;
    }
    w.flush()?;
    eprintln!("wrote {}", path.display());
    Ok(())
}
