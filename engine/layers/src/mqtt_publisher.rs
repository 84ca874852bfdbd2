//! Publishing observations to a broker (`citytwin simulate --broker`): the simulator's stream,
//! as SensorThings observations on `v1.1/Datastreams(ID)/Observations`, for end-to-end use with
//! a real broker.
use std::time::{Duration, Instant};

use rumqttc::{Client, Event, MqttOptions, Packet, QoS};

use crate::{LayerError, Observation};

/// The SensorThings topic and payload of an observation.
pub fn sensorthings_message(o: &Observation) -> (String, String) {
    let secs = o.time_ms.div_euclid(1000);
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (y, m, d) = city_core::civil_from_days(days);
    let time = format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3600,
        rem / 60 % 60,
        rem % 60,
        o.time_ms.rem_euclid(1000)
    );
    (
        format!("v1.1/Datastreams({})/Observations", o.datastream),
        format!(r#"{{"phenomenonTime":"{time}","result":{}}}"#, o.result),
    )
}

/// A connection for publishing.
pub struct MqttPublisher {
    client: Client,
    pump: std::thread::JoinHandle<()>,
}

impl MqttPublisher {
    /// Connects to `host:port`; fails (naming the broker) if it cannot within `timeout`.
    pub fn connect(host: &str, port: u16, client_id: &str, timeout: Duration) -> Result<Self, LayerError> {
        let mut opts = MqttOptions::new(client_id, host, port);
        opts.set_keep_alive(Duration::from_secs(5));
        let (client, mut connection) = Client::new(opts, 10_000);
        let start = Instant::now();
        loop {
            match connection.recv_timeout(Duration::from_millis(200)) {
                Ok(Ok(Event::Incoming(Packet::ConnAck(_)))) => break,
                Ok(Err(e)) if start.elapsed() > timeout => {
                    return Err(LayerError::Broker(format!("broker {host}:{port}: {e}")));
                }
                Ok(Err(_)) => std::thread::sleep(Duration::from_millis(200)),
                _ if start.elapsed() > timeout => {
                    return Err(LayerError::Broker(format!("broker {host}:{port}: no answer in {timeout:?}")));
                }
                _ => {}
            }
        }
        // The connection must be polled for publishes to go out: a thread does it.
        let pump = std::thread::spawn(move || for _ in connection.iter().take_while(Result::is_ok) {});
        Ok(Self { client, pump })
    }

    /// Publishes observations (QoS 0, as sensors do).
    pub fn publish(&self, observations: &[Observation]) -> Result<(), LayerError> {
        for o in observations {
            let (topic, payload) = sensorthings_message(o);
            self.client
                .publish(topic, QoS::AtMostOnce, false, payload)
                .map_err(|e| LayerError::Broker(format!("publish: {e}")))?;
        }
        Ok(())
    }

    /// Disconnects after what was queued has gone out.
    pub fn close(self) {
        let _ = self.client.disconnect();
        let _ = self.pump.join();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{parse_iso_ms, parse_observation};

    #[test]
    fn messages_round_trip_through_the_parser() {
        let o = Observation { datastream: "river-7".into(), time_ms: 1_764_482_400_123, result: 2.5 };
        let (topic, payload) = sensorthings_message(&o);
        assert_eq!(parse_observation(&topic, payload.as_bytes()).unwrap(), o);
        assert_eq!(parse_iso_ms("2025-11-30T06:00:00.123Z"), Some(1_764_482_400_123));
        assert!(payload.contains("2025-11-30T06:00:00.123Z"), "{payload}");
    }
}
