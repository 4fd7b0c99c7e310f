//! libpayup.so carries the SONAME `libpayup.so.<major>` (libpayup.so.0 for 0.x), so programs linked with
//! `-lpayup` record that name and keep working across compatible updates; bindings/c/install.sh installs
//! libpayup.so.<version> with the libpayup.so.<major> and libpayup.so links.

fn main() {
    let major = std::env::var("CARGO_PKG_VERSION_MAJOR").expect("cargo sets CARGO_PKG_VERSION_MAJOR");
    println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libpayup.so.{major}");
    println!("cargo:rerun-if-changed=build.rs");
}
