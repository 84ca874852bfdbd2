//! The panels (egui): layers, the picked feature's attributes, the style, and statistics
//! (tiles drawn, loading, held, failed; memory against its budget; frame time; draw calls); and
//! where egui draws. The sensors', incidents' and building's panels are in their own files.
use bevy::diagnostic::{DiagnosticsStore, FrameTimeDiagnosticsPlugin};
use bevy::prelude::*;
use bevy_egui::{EguiContexts, egui};
use city_core::{AttributeValue, StyleMode, StyleRule};

use crate::camera_control::{CameraRig, PointerOverPanel};
use crate::split_view::SplitView;
use crate::tile_layers::{Layers, TilePart};
use crate::viewer_state::FeatureColors;
use crate::wall_view::MainCamera;

/// Whether the panels are drawn (off for a clean video wall). egui runs either way.
#[derive(Resource, Debug, Clone, Copy, PartialEq, Eq)]
pub struct PanelsShown(pub bool);

/// Start-up, once the cameras are there: where egui draws. On the primary window's main camera;
/// in split mode on a camera of its own over the whole window (each half's camera draws only its
/// half).
pub fn attach_egui_context(
    mut commands: Commands<'_, '_>,
    main: Query<'_, '_, Entity, With<MainCamera>>,
    split: Option<Res<'_, SplitView>>,
    egui_settings: Option<ResMut<'_, bevy_egui::EguiGlobalSettings>>,
) {
    if let Some(mut s) = egui_settings {
        s.auto_create_primary_context = false;
    }
    if split.is_some() {
        commands.spawn((
            Camera2d,
            Camera { order: 2, clear_color: ClearColorConfig::None, ..default() },
            bevy::camera::visibility::RenderLayers::none(),
            bevy_egui::PrimaryEguiContext,
        ));
    } else if let Some(main) = main.iter().next() {
        commands.entity(main).insert(bevy_egui::PrimaryEguiContext);
    }
}

/// Without panels egui's pass still runs (its fonts are uploaded); it draws only the imagery
/// credits, which licences ask to be shown whatever else is.
pub fn no_panels(mut contexts: EguiContexts<'_, '_>, layers: Res<'_, Layers>) -> Result {
    draw_credits(contexts.ctx_mut()?, &layers);
    Ok(())
}

/// The visible layers' imagery credits, in the bottom-right corner.
fn draw_credits(ctx: &egui::Context, layers: &Layers) {
    let credits: Vec<&str> = layers.0.iter().filter(|l| l.visible).filter_map(|l| l.attribution.as_deref()).collect();
    if !credits.is_empty() {
        egui::Area::new(egui::Id::new("imagery credits")).anchor(egui::Align2::RIGHT_BOTTOM, [-8.0, -8.0]).show(
            ctx,
            |ui| {
                ui.label(egui::RichText::new(format!("Imagery: {}", credits.join("; "))).small());
            },
        );
    }
}

/// The imagery layers draped on the terrain, each with its checkbox (changing one rebuilds the
/// terrain's textures, [`crate::imagery_switch`]), and what the rebuild is doing.
fn imagery_section(ui: &mut egui::Ui, imagery: &mut crate::imagery_switch::ImageryChoice) {
    ui.separator();
    ui.label("imagery on the terrain");
    let building = imagery.is_building();
    let choice = &mut *imagery;
    for (name, shown) in choice.start.names.iter().zip(choice.shown.iter_mut()) {
        ui.add_enabled(!building, egui::Checkbox::new(shown, name));
    }
    if let Some(status) = &imagery.status {
        ui.colored_label(egui::Color32::from_rgb(230, 120, 0), status);
    }
}

/// Draws the panels.
#[allow(clippy::too_many_arguments)]
pub fn panels(
    mut contexts: EguiContexts<'_, '_>,
    mut layers: ResMut<'_, Layers>,
    mut colors: ResMut<'_, FeatureColors>,
    mut rig: ResMut<'_, CameraRig>,
    mut over: ResMut<'_, PointerOverPanel>,
    diagnostics: Res<'_, DiagnosticsStore>,
    parts: Query<'_, '_, &ViewVisibility, With<TilePart>>,
    globe: Option<ResMut<'_, crate::globe::Globe>>,
    imagery: Option<ResMut<'_, crate::imagery_switch::ImageryChoice>>,
) -> Result {
    let ctx = contexts.ctx_mut()?;
    draw_credits(ctx, &layers);
    egui::Window::new("Layers").anchor(egui::Align2::LEFT_TOP, [8.0, 8.0]).default_width(220.0).show(ctx, |ui| {
        for layer in &mut layers.0 {
            let s = layer.streamer.stats();
            ui.checkbox(&mut layer.visible, &layer.name);
            if layer.ground {
                ui.add(egui::Slider::new(&mut layer.opacity, 0.0..=1.0).text("ground opacity"));
            }
            ui.label(format!(
                "{} tiles drawn, {} loading, {} held, {} failed",
                s.rendered, s.loading, s.loaded, s.failed
            ));
            if let Some(why) = &s.degraded {
                ui.colored_label(egui::Color32::from_rgb(230, 120, 0), why);
            }
            for (_, msg) in layer.streamer.failures.iter().rev().take(3) {
                ui.colored_label(egui::Color32::from_rgb(200, 40, 40), msg);
            }
        }
        if let Some(mut imagery) = imagery {
            imagery_section(ui, &mut imagery);
        }
        if let Some(mut globe) = globe {
            let spacing = globe.spacing_deg;
            ui.checkbox(&mut globe.shown, format!("globe (graticule every {spacing}°)"));
        }
        if !rig.bookmarks.is_empty() {
            ui.separator();
            let mut fly = None;
            for (i, (name, pose)) in rig.bookmarks.iter().enumerate() {
                if ui.button(format!("{}  {name}", i + 1)).clicked() {
                    fly = Some(*pose);
                }
            }
            if let Some(pose) = fly {
                rig.fly_to(pose);
            }
        }
    });
    // Attribute names (and whether numeric) from what is loaded, for the style chooser.
    let mut names: std::collections::BTreeMap<String, bool> = Default::default();
    for l in &layers.0 {
        for t in l.loaded.values().take(16) {
            for c in t.contents.iter() {
                for (n, v) in &c.properties.columns {
                    let numeric = v.iter().any(|v| matches!(v, AttributeValue::Float(_) | AttributeValue::Int(_)));
                    *names.entry(n.clone()).or_insert(numeric) |= numeric;
                }
            }
        }
    }
    egui::Window::new("Style").anchor(egui::Align2::LEFT_BOTTOM, [8.0, -8.0]).default_width(200.0).show(ctx, |ui| {
        let current = colors.style.as_ref().map(|s| s.attribute.clone()).unwrap_or_else(|| "(none)".into());
        let mut chosen = None;
        egui::ComboBox::from_label("colour by").selected_text(&current).show_ui(ui, |ui| {
            if ui.selectable_label(current == "(none)", "(none)").clicked() {
                chosen = Some(None);
            }
            for (n, numeric) in &names {
                if ui.selectable_label(current == *n, n).clicked() {
                    chosen = Some(Some((n.clone(), *numeric)));
                }
            }
        });
        match chosen {
            Some(None) => colors.style = None,
            Some(Some((attribute, numeric))) => {
                let mode = if numeric { StyleMode::Ramp { min: 0.0, max: 60.0 } } else { StyleMode::Categories };
                colors.style = Some(StyleRule { attribute, mode });
            }
            None => {}
        }
        if let Some(StyleRule { mode: StyleMode::Ramp { min, max }, .. }) = colors.style.clone() {
            let (mut lo, mut hi) = (min, max);
            ui.add(egui::DragValue::new(&mut lo).prefix("blue at "));
            ui.add(egui::DragValue::new(&mut hi).prefix("red at "));
            if (lo, hi) != (min, max)
                && let Some(s) = colors.style.as_mut()
            {
                s.mode = StyleMode::Ramp { min: lo, max: hi };
            }
        }
    });
    if let Some(p) = colors.picked.clone() {
        // Beside the view's centre, never over it: that is where the user is looking.
        let max_h = ctx.content_rect().height() * 0.45;
        egui::Window::new("Feature").anchor(egui::Align2::RIGHT_BOTTOM, [-8.0, -8.0]).default_width(240.0).show(
            ctx,
            |ui| {
                egui::ScrollArea::vertical().max_height(max_h).show(ui, |ui| {
                    egui::Grid::new("attrs").striped(true).show(ui, |ui| {
                        for (k, v) in p.attributes.iter().filter(|(_, v)| !v.is_empty()) {
                            ui.label(k);
                            ui.label(v);
                            ui.end_row();
                        }
                    });
                });
                // 1.1 metadata: what the tileset says of the content, its tile, group and itself.
                let mut scope = "";
                for m in &p.metadata {
                    if m.scope != scope {
                        scope = m.scope;
                        ui.separator();
                        ui.strong(format!("{scope} metadata"));
                    }
                    ui.horizontal(|ui| {
                        ui.label(&m.name);
                        ui.label(&m.value);
                    });
                }
                if p.attributes.is_empty() && p.metadata.is_empty() {
                    ui.label("this feature has no attributes");
                }
                if ui.button("clear").clicked() {
                    colors.picked = None;
                }
            },
        );
    }
    let frame_ms = diagnostics.get(&FrameTimeDiagnosticsPlugin::FRAME_TIME).and_then(|d| d.smoothed()).unwrap_or(0.0);
    let draws = parts.iter().filter(|v| v.get()).count();
    let (used, budget) = layers
        .0
        .iter()
        .fold((0, 0), |(u, b), l| (u + l.streamer.stats().used_bytes, b + l.streamer.options().memory_budget_bytes));
    egui::Window::new("Statistics").anchor(egui::Align2::RIGHT_TOP, [-10.0, 10.0]).show(ctx, |ui| {
        ui.label(format!("frame {frame_ms:.1} ms"));
        ui.label(format!("draw calls {draws}"));
        ui.label(format!("memory {} / {} MiB", used >> 20, budget >> 20));
        let (r, l, h): (usize, usize, usize) = layers.0.iter().fold((0, 0, 0), |(r, l, h), x| {
            let s = x.streamer.stats();
            (r + s.rendered, l + s.loading, h + s.loaded)
        });
        ui.label(format!("tiles: {r} visible, {l} loading, {h} cached"));
        let (loads, distinct) = layers.0.iter().fold((0, 0), |(a, b), x| (a + x.loads, b + x.distinct.len()));
        ui.label(format!("tile loads: {loads} ({distinct} distinct tiles)"));
    });
    over.0 = ctx.egui_wants_pointer_input() || ctx.is_pointer_over_egui();
    Ok(())
}
