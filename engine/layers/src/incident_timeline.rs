//! The timeline an operator plays back: the incident list after each alert, in the order the
//! alerts were sent (files), then arrived (feeds, MQTT). Every step keeps its own list, so going
//! back in time is a lookup, and the log lines that step wrote (an update applied, an expired
//! alert refused, a file that is not CAP).
use city_core::SceneIncident;

use crate::{CapAlert, HazardZone, Incident, Incidents, LayerError};

/// A hazard layer as read: its zones and warnings, or why not.
pub type HazardRead = Result<(Vec<HazardZone>, Vec<String>), LayerError>;

/// The state after one alert.
#[derive(Debug, Clone)]
pub struct TimelineStep {
    /// What came in (`alert X from Y`, `scenarios`, the file that failed).
    pub label: String,
    /// When it was sent (ms since 1970), when known.
    pub sent_ms: Option<i64>,
    /// The incidents shown after it.
    pub incidents: Vec<Incident>,
    /// What this step wrote to the log.
    pub log: Vec<String>,
}

/// The incidents now and every step that led to them.
#[derive(Debug, Clone, Default)]
pub struct IncidentTimeline {
    /// The current state (the last step's).
    pub state: Incidents,
    /// Steps, oldest first.
    pub steps: Vec<TimelineStep>,
}

impl IncidentTimeline {
    /// The scene's scenarios, then hazard layers, then alerts read from files sorted by their
    /// `sent` time, as of `now_ms`. Each file is a result: a bad one is a step with its error.
    pub fn from_sources(
        scenarios: &[SceneIncident],
        hazards: Vec<(String, HazardRead)>,
        mut alerts: Vec<(String, Result<CapAlert, LayerError>)>,
        now_ms: i64,
    ) -> Self {
        let mut t = Self::default();
        for (name, read) in hazards {
            t.record(format!("hazard layer {name}"), None, |s| match read {
                Ok((zones, warnings)) => {
                    s.log.extend(warnings);
                    s.add_hazards(&name, &zones);
                }
                Err(e) => s.log.push(e.to_string()),
            });
        }
        if !scenarios.is_empty() {
            t.record("scene scenarios".into(), None, |s| {
                for sc in scenarios {
                    s.add_scenario(sc);
                }
            });
        }
        alerts.sort_by_key(|(_, a)| a.as_ref().map_or(i64::MIN, |a| a.sent_ms.unwrap_or(i64::MIN)));
        for (name, alert) in alerts {
            t.push_alert(&name, alert, now_ms);
        }
        t
    }

    fn record(&mut self, label: String, sent_ms: Option<i64>, change: impl FnOnce(&mut Incidents)) {
        let before = self.state.log.len();
        change(&mut self.state);
        self.steps.push(TimelineStep {
            label,
            sent_ms,
            incidents: self.state.active.clone(),
            log: self.state.log[before..].to_vec(),
        });
    }

    /// Takes in one alert (or the error reading it) as a new step.
    pub fn push_alert(&mut self, name: &str, alert: Result<CapAlert, LayerError>, now_ms: i64) {
        match alert {
            Ok(a) => {
                let label = format!("{} ({})", a.infos.first().map_or("alert", |i| i.event.as_str()), a.identifier);
                self.record(label, a.sent_ms, |s| {
                    s.apply(&a, now_ms);
                })
            }
            Err(e) => self.record(format!("{name}: not read"), None, |s| s.log.push(e.to_string())),
        }
    }

    /// Takes in an MQTT message carrying CAP as a new step.
    pub fn push_message(&mut self, topic: &str, payload: &[u8], now_ms: i64) {
        self.record(format!("message on {topic}"), Some(now_ms), |s| {
            s.apply_message(topic, payload, now_ms);
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alert(id: &str, sent: &str, msg_type: &str, refs: &str) -> CapAlert {
        let xml = format!(
            "<alert xmlns=\"urn:oasis:names:tc:emergency:cap:1.2\"><identifier>{id}</identifier><sender>s</sender>\
             <sent>{sent}</sent><status>Actual</status><msgType>{msg_type}</msgType><scope>Public</scope>{refs}\
             <info><category>Fire</category><event>Fire {id}</event><urgency>Immediate</urgency><severity>Severe</severity>\
             <certainty>Observed</certainty><area><areaDesc>a</areaDesc><circle>60.17,24.94 0.5</circle></area></info></alert>"
        );
        CapAlert::parse(&xml, id).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn steps_follow_the_sent_order_and_keep_their_own_lists() {
        let update = alert("b", "2026-11-30T10:05:00Z", "Update", "<references>s,a,2026-11-30T10:00:00Z</references>");
        let first = alert("a", "2026-11-30T10:00:00Z", "Alert", "");
        let broken = Err(LayerError::File { file: "x.xml".into(), reason: "line 1: not CAP".into() });
        let t = IncidentTimeline::from_sources(
            &[],
            Vec::new(),
            vec![("b.xml".into(), Ok(update)), ("a.xml".into(), Ok(first)), ("x.xml".into(), broken)],
            0,
        );
        let labels: Vec<&str> = t.steps.iter().map(|s| s.label.as_str()).collect();
        assert_eq!(labels, ["x.xml: not read", "Fire a (a)", "Fire b (b)"]);
        assert_eq!(t.steps[1].incidents[0].event, "Fire a");
        assert_eq!(t.steps[2].incidents.len(), 1, "the update replaced a");
        assert_eq!(t.steps[2].incidents[0].event, "Fire b");
        assert!(t.steps[0].log[0].contains("not CAP"));
        assert!(t.steps[2].log.iter().any(|l| l.contains("updates 1 alerts")), "{:?}", t.steps[2].log);
    }
}
