#![no_main]
// A payload on a SensorThings topic and on CityTwin's own.
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = city_layers::parse_observation("v1.1/Datastreams(7)/Observations", data);
    let _ = city_layers::parse_observation("citytwin/sensors", data);
});
