//! Where an MQTT broker is, in the forms MQTT tools take: `HOST`, `HOST:PORT`, `[IPv6]:PORT`,
//! and URLs `mqtt://` or `tcp://` (plain), `mqtts://`, `ssl://` or `tls://` (TLS), and MQTT over
//! WebSockets, `ws://HOST:PORT/PATH` and `wss://` (TLS), as browsers' MQTT clients use. The
//! command line, scenes and the simulator read addresses through this one parser, so a form one
//! accepts is accepted everywhere, and anything else is an error at start, not a feed that
//! retries a host called `mqtt://127.0.0.1` until it is stopped.
use std::net::Ipv6Addr;

use crate::LayerError;

/// The plain MQTT port.
pub const MQTT_PORT: u16 = 1883;
/// The MQTT over TLS port.
pub const MQTTS_PORT: u16 = 8883;

/// A broker's host and port, and whether its address asked for TLS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokerAddress {
    /// Host name or IP address (IPv6 without brackets).
    pub host: String,
    /// Port; when the address gives none, 1883, or 8883 with TLS.
    pub port: u16,
    /// `Some(true)` for `mqtts://`, `ssl://`, `tls://`; `Some(false)` for `mqtt://`, `tcp://`;
    /// `None` when the address has no scheme (the scene's `tls` decides).
    pub tls: Option<bool>,
    /// For MQTT over WebSockets (`ws://`, `wss://`): the URL's path (`/mqtt` when it gives none).
    pub websocket_path: Option<String>,
}

impl BrokerAddress {
    /// The WebSocket URL rumqttc connects to, for a WebSocket address.
    pub fn websocket_url(&self) -> Option<String> {
        let path = self.websocket_path.as_ref()?;
        let scheme = if self.tls == Some(true) { "wss" } else { "ws" };
        let host = if self.host.contains(':') { format!("[{}]", self.host) } else { self.host.clone() };
        Some(format!("{scheme}://{host}:{}{path}", self.port))
    }
}

impl BrokerAddress {
    /// Reads an address; `tls_by_default` picks the default port of an address without a scheme.
    pub fn parse(text: &str, tls_by_default: bool) -> Result<Self, LayerError> {
        let bad = |why: &str| LayerError::Broker(format!("broker {text:?}: {why}"));
        let t = text.trim();
        let (tls, websocket, rest) = match t.split_once("://") {
            None => (None, false, t),
            Some((scheme, rest)) => match scheme.to_ascii_lowercase().as_str() {
                "mqtt" | "tcp" => (Some(false), false, rest),
                "mqtts" | "ssl" | "tls" => (Some(true), false, rest),
                "ws" => (Some(false), true, rest),
                "wss" => (Some(true), true, rest),
                other => {
                    return Err(bad(&format!(
                        "unknown scheme {other:?}: use mqtt://, mqtts://, tcp://, ssl://, ws:// or wss://"
                    )));
                }
            },
        };
        // A WebSocket URL has a path (the broker's endpoint); MQTT addresses have none.
        let (rest, websocket_path) = match (websocket, rest.find('/')) {
            (true, Some(i)) => (&rest[..i], Some(rest[i..].to_owned())),
            (true, None) => (rest, Some("/mqtt".to_owned())),
            (false, _) => (rest, None),
        };
        // `user@` is not how credentials are given (the scene's username and password_env are);
        // a path or query means a URL of some other protocol.
        if rest.contains('@') {
            return Err(bad("credentials go in the scene's username and password_env, not the address"));
        }
        let rest = rest.strip_suffix('/').unwrap_or(rest);
        if rest.contains(['/', '?', '#']) {
            return Err(bad("an MQTT broker address has no path: give HOST:PORT"));
        }
        let default_port = match (websocket, tls.unwrap_or(tls_by_default)) {
            (true, true) => 443,
            (true, false) => 80,
            (false, true) => MQTTS_PORT,
            (false, false) => MQTT_PORT,
        };
        let (host, port) = if let Some(v6) = rest.strip_prefix('[') {
            let (host, after) = v6.split_once(']').ok_or_else(|| bad("an IPv6 address opened with [ is not closed"))?;
            host.parse::<Ipv6Addr>().map_err(|_| bad(&format!("{host:?} is not an IPv6 address")))?;
            match after {
                "" => (host, None),
                _ => (host, Some(after.strip_prefix(':').ok_or_else(|| bad("expected :PORT after ]"))?)),
            }
        } else if rest.parse::<Ipv6Addr>().is_ok() {
            // A bare IPv6 address: its colons are not a port.
            (rest, None)
        } else {
            match rest.rsplit_once(':') {
                Some((h, p)) => (h, Some(p)),
                None => (rest, None),
            }
        };
        if host.is_empty() {
            return Err(bad("no host"));
        }
        if host.contains(':') && host.parse::<Ipv6Addr>().is_err() {
            return Err(bad("put an IPv6 address in brackets: [::1]:1883"));
        }
        let port = match port {
            None => default_port,
            Some(p) => match p.parse::<u16>() {
                Ok(n) if n > 0 => n,
                _ => return Err(bad(&format!("bad port {p:?}"))),
            },
        };
        Ok(Self { host: host.to_owned(), port, tls, websocket_path })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(text: &str) -> (String, u16, Option<bool>) {
        let a = BrokerAddress::parse(text, false).unwrap_or_else(|e| panic!("{text}: {e}"));
        (a.host, a.port, a.tls)
    }

    #[test]
    fn the_forms_mqtt_tools_take() {
        assert_eq!(ok("broker.example"), ("broker.example".into(), 1883, None));
        assert_eq!(ok("127.0.0.1:1884"), ("127.0.0.1".into(), 1884, None));
        assert_eq!(ok("mqtt://127.0.0.1:1883"), ("127.0.0.1".into(), 1883, Some(false)));
        assert_eq!(ok("tcp://h:7"), ("h".into(), 7, Some(false)));
        assert_eq!(ok("mqtts://h"), ("h".into(), 8883, Some(true)));
        assert_eq!(ok("SSL://h:443/"), ("h".into(), 443, Some(true)));
        assert_eq!(ok("[::1]:1883"), ("::1".into(), 1883, None));
        assert_eq!(ok("mqtt://[fe80::1]"), ("fe80::1".into(), 1883, Some(false)));
        assert_eq!(ok("::1"), ("::1".into(), 1883, None));
        assert_eq!(BrokerAddress::parse("h", true).unwrap().port, 8883);
        let ws = BrokerAddress::parse("ws://127.0.0.1:9001/mqtt", false).unwrap();
        assert_eq!((ws.port, ws.tls, ws.websocket_path.as_deref()), (9001, Some(false), Some("/mqtt")));
        assert_eq!(ws.websocket_url().unwrap(), "ws://127.0.0.1:9001/mqtt");
        let wss = BrokerAddress::parse("wss://[::1]", false).unwrap();
        assert_eq!(wss.websocket_url().unwrap(), "wss://[::1]:443/mqtt");
        assert_eq!(BrokerAddress::parse("mqtt://h", false).unwrap().websocket_url(), None);
    }

    #[test]
    fn anything_else_is_a_clear_error() {
        for (text, says) in [
            ("http://h:80", "unknown scheme"),
            ("wss://h:port/mqtt", "bad port"),
            ("h:port", "bad port"),
            ("h:0", "bad port"),
            ("h:70000", "bad port"),
            ("[::1:1883", "not closed"),
            ("[::1]1883", "expected :PORT"),
            ("[nohost]:1", "not an IPv6 address"),
            ("mqtt://", "no host"),
            (":1883", "no host"),
            ("mqtt://h:1883/topic", "no path"),
            ("mqtt://user:pw@h", "credentials"),
            ("a:b:1883", "brackets"),
        ] {
            let e = BrokerAddress::parse(text, false).unwrap_err().to_string();
            assert!(e.contains(says) && e.contains(text), "{text}: {e}");
        }
    }
}
