//! The emergency layer in a headless Bevy app (no window, no GPU): an alert's zone becomes a
//! translucent extrusion and ring outlines, and the buildings inside it (checked against a plain
//! distance test) go into the feature colours; a cancel arriving from a live source is a new
//! step that clears them; playing back returns to the alert; a source's problem is kept for the
//! panel.
#![allow(clippy::unwrap_used)] // tests: a panic is the failure report.

use std::sync::{Arc, Mutex, mpsc::channel};

use bevy::prelude::*;
use city_bevy::incident_layer::{IncidentStart, IncidentState, IncidentZone};
use city_bevy::viewer_state::FeatureColors;
use city_bevy::{IncidentsPlugin, ViewerBasePlugin};
use city_index::IndexBuilder;
use city_layers::{CapAlert, CapArrival, IncidentAnalysis, IncidentTimeline, PeopleModel};

/// Metres per degree in the test's plain projection around (0, 0).
const M_PER_DEG: f64 = 111_320.0;

fn alert(id: &str, msg_type: &str, extra: &str) -> String {
    format!(
        "<alert xmlns=\"urn:oasis:names:tc:emergency:cap:1.2\"><identifier>{id}</identifier><sender>s</sender>\
         <sent>2026-11-30T10:00:00Z</sent><status>Actual</status><msgType>{msg_type}</msgType><scope>Public</scope>{extra}</alert>"
    )
}

#[test]
fn zones_highlights_live_cancels_and_playback() {
    // 21 x 21 buildings of 10 m, 50 m apart, centred on (0, 0).
    let mut b = IndexBuilder::new();
    let mut ids = Vec::new();
    let mut centres = Vec::new();
    for i in -10..=10 {
        for j in -10..=10 {
            let (x, y) = (f64::from(i) * 50.0, f64::from(j) * 50.0);
            b.push_box(city_core::Aabb3 { min: [x - 5.0, y - 5.0, 0.0], max: [x + 5.0, y + 5.0, 12.0] }).unwrap();
            ids.push(format!("b{i}_{j}"));
            centres.push((x, y));
        }
    }
    let analysis = IncidentAnalysis {
        index: b.build(),
        ids: ids.clone(),
        project: Box::new(|lon, lat| [lon * M_PER_DEG, lat * M_PER_DEG]),
        rings_m: vec![100.0, 200.0],
        people: PeopleModel::default(),
        occupancy: Vec::new(),
        facilities: Vec::new(),
        nearest: 3,
        sensors: vec![("s-in".into(), [0.0, 0.0]), ("s-out".into(), [0.01, 0.01])],
    };
    // A 120 m circle on the origin: the buildings whose box comes within 120 m of it.
    let info = "<info><category>Fire</category><event>Fire</event><urgency>Immediate</urgency><severity>Severe</severity>\
                <certainty>Observed</certainty><area><areaDesc>a</areaDesc><circle>0,0 0.12</circle></area></info>";
    let fire = CapAlert::parse(&alert("F", "Alert", info), "fire.xml").unwrap();
    let timeline = IncidentTimeline::from_sources(&[], Vec::new(), vec![("fire.xml".into(), Ok(fire))], 0);
    let (tx, rx) = channel();
    let (log_tx, logged) = channel();
    let start = IncidentStart {
        timeline,
        analysis: Some(Arc::new(analysis)),
        ecef_from_local: city_tiles::Mat4::IDENTITY,
        live: Some(Arc::new(Mutex::new(rx))),
        log: Some(log_tx),
        step: None,
    };
    let mut app = App::new();
    app.add_plugins((MinimalPlugins, AssetPlugin::default()));
    app.init_asset::<Mesh>().init_asset::<StandardMaterial>();
    app.add_plugins((ViewerBasePlugin, IncidentsPlugin(start)));
    app.update();

    let zones = |app: &mut App| {
        let w = app.world_mut();
        w.query_filtered::<Entity, With<IncidentZone>>().iter(w).count()
    };
    // The nearest point of a box to the centre within the circle (a 64-gon inscribed: 0.2 m
    // short of the circle at worst, so keep away from the edge).
    let near = |(x, y): (f64, f64)| {
        let (dx, dy) = ((x.abs() - 5.0).max(0.0), (y.abs() - 5.0).max(0.0));
        (dx * dx + dy * dy).sqrt()
    };
    let mut want: Vec<String> =
        ids.iter().zip(&centres).filter(|(_, c)| near(**c) < 119.0).map(|(id, _)| id.clone()).collect();
    want.sort();
    assert!(ids.iter().zip(&centres).all(|(_, c)| near(*c) < 119.0 || near(*c) > 121.0), "no box on the edge");
    assert_eq!(app.world().resource::<FeatureColors>().affected, want);
    assert_eq!(zones(&mut app), 2, "one extrusion and one set of ring outlines");
    {
        let mut state = app.world_mut().resource_mut::<IncidentState>();
        let s = state.current();
        assert_eq!(s[0].sensors, ["s-in"]);
        assert_eq!(s[0].rings.len(), 2);
    }

    // A cancel arrives live, and a feed is down.
    let cancel = alert("C", "Cancel", "<references>s,F,2026-11-30T10:00:00Z</references>");
    tx.send(CapArrival::Alert { source: "feed".into(), alert: CapAlert::parse(&cancel, "feed") }).unwrap();
    tx.send(CapArrival::Problem("feed http://x: HTTP 503".into())).unwrap();
    app.update();
    {
        let state = app.world().resource::<IncidentState>();
        assert_eq!((state.timeline.steps.len(), state.shown), (2, 1));
        assert!(state.problems.iter().any(|p| p.contains("503")));
    }
    // Both arrivals were copied to the log (a bench recording), in order.
    let copied: Vec<CapArrival> = logged.try_iter().collect();
    assert!(
        matches!(&copied[..], [CapArrival::Alert { alert: Ok(a), .. }, CapArrival::Problem(p)] if a.identifier == "C" && p.contains("503")),
        "{copied:?}"
    );
    assert!(app.world().resource::<FeatureColors>().affected.is_empty());
    assert_eq!(zones(&mut app), 0);

    // Play back from the start: the alert's step comes first.
    {
        let mut state = app.world_mut().resource_mut::<IncidentState>();
        state.follow = false;
        state.shown = 0;
    }
    app.update();
    assert_eq!(app.world().resource::<FeatureColors>().affected, want);
    app.world_mut().resource_mut::<IncidentState>().playing = Some(0.0);
    app.update();
    assert_eq!(app.world().resource::<IncidentState>().shown, 1, "played to the cancel");
}
