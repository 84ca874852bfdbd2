//! Faults during `citytwin import`: the process killed (`kill -9`) part way, and the disk filling
//! up. Neither may leave an output folder that looks like a finished tileset (a `tileset.json`
//! over missing tiles), nor harm an earlier tileset in that folder; the next import cleans up
//! what the killed one left.
#![allow(clippy::unwrap_used)] // tests: a panic is the failure report.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn citytwin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_citytwin"))
}

/// A fresh scratch folder for one test.
fn scratch(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("citytwin-faults-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The work folders imports leave beside `out` (`.NAME.partial-PID`, `.NAME.old-PID`).
fn work_folders(out: &Path) -> Vec<String> {
    let name = out.file_name().unwrap().to_string_lossy().into_owned();
    std::fs::read_dir(out.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|f| f.starts_with(&format!(".{name}.")))
        .collect()
}

/// A synthetic city big enough that its import runs for seconds (debug build).
fn big_city(dir: &Path) -> PathBuf {
    let o = citytwin()
        .args(["generate", "--objects", "150000", "--queries", "1", "--cityjsonseq", "-o"])
        .arg(dir)
        .output()
        .unwrap();
    assert!(o.status.success(), "generate: {}", String::from_utf8_lossy(&o.stderr));
    dir.join("city.city.jsonl")
}

#[test]
fn an_import_killed_part_way_leaves_the_earlier_tileset_whole_and_the_next_one_cleans_up() {
    let dir = scratch("kill");
    let input = big_city(&dir);
    let out = dir.join("city");
    // An earlier tileset in the output folder, from a small real import.
    let small = citytwin_data("cityjson/delft.json");
    let o = citytwin().args(["import"]).arg(&small).arg("-o").arg(&out).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let earlier = std::fs::read(out.join("tileset.json")).unwrap();

    // The big import, killed once its tiles are being written.
    let mut child = citytwin().args(["import"]).arg(&input).arg("-o").arg(&out).stderr(Stdio::null()).spawn().unwrap();
    let started = Instant::now();
    let partial = dir.join(format!(".city.partial-{}", child.id()));
    while !partial.join("tiles").read_dir().is_ok_and(|mut d| d.next().is_some()) {
        assert!(
            child.try_wait().unwrap().is_none(),
            "the import finished before it could be killed: make the city bigger"
        );
        assert!(started.elapsed() < Duration::from_secs(300), "no tiles written after 5 minutes");
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    assert_eq!(std::fs::read(out.join("tileset.json")).unwrap(), earlier, "the earlier tileset is untouched");
    assert!(work_folders(&out).iter().any(|f| f.contains(".partial-")), "the killed import's work folder is left");

    // The next import replaces the earlier tileset and sweeps the dead import's work folder.
    let o = citytwin().args(["import"]).arg(&small).arg("-o").arg(&out).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(work_folders(&out), Vec::<String>::new(), "work folders left");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn an_import_onto_a_full_disk_fails_naming_the_file_and_leaves_nothing() {
    // A 1 MiB tmpfs: the shared Delft import writes about 2 MB of tiles. Mounting needs root,
    // which CI has (it installs packages with apt-get).
    let dir = scratch("full");
    let disk = dir.join("disk");
    std::fs::create_dir_all(&disk).unwrap();
    let mounted = Command::new("mount").args(["-t", "tmpfs", "-o", "size=1m", "tmpfs"]).arg(&disk).output().unwrap();
    assert!(
        mounted.status.success(),
        "mounting a 1 MiB tmpfs failed (this test needs root, as CI runs): {}",
        String::from_utf8_lossy(&mounted.stderr)
    );
    let out = disk.join("city");
    let o = citytwin().args(["import"]).arg(citytwin_data("cityjson/delft.json")).arg("-o").arg(&out).output().unwrap();
    let listing = work_folders(&out);
    let exists = out.exists();
    let _ = Command::new("umount").arg(&disk).status();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success(), "the import claimed success on a full disk");
    assert!(stderr.contains("No space left on device") && stderr.contains(&disk.display().to_string()), "{stderr}");
    assert!(!exists, "an output folder was left on the full disk");
    assert_eq!(listing, Vec::<String>::new(), "work folders left on the full disk");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn an_import_that_may_not_grow_a_file_fails_and_leaves_nothing() {
    // The same fault without root: a file-size limit (`ulimit -f`, SIGXFSZ ignored) makes the
    // first large write fail as a full disk does.
    let dir = scratch("fsize");
    let out = dir.join("city");
    let o = Command::new("sh")
        .arg("-c")
        .arg("trap '' XFSZ; ulimit -f 64; exec \"$0\" import \"$1\" -o \"$2\"")
        .arg(env!("CARGO_BIN_EXE_citytwin"))
        .arg(citytwin_data("cityjson/delft.json"))
        .arg(&out)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success(), "the import claimed success");
    assert!(stderr.contains("File too large") && stderr.contains(&dir.display().to_string()), "{stderr}");
    assert!(!out.exists(), "an output folder was left");
    assert_eq!(work_folders(&out), Vec::<String>::new(), "work folders left");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A file of the shared data; fails naming the path and the setting when it is missing.
fn citytwin_data(rel: &str) -> PathBuf {
    citytwin::data_dir::data_file(rel).unwrap_or_else(|e| panic!("{e:#}"))
}
