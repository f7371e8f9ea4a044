#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| pgtls_fuzzing::run("kong_conf", data));
