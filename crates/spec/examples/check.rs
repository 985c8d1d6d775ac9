fn main() {
    let path = std::env::args().nth(1).expect("path");
    let loaded = bedrock_spec::load(std::path::Path::new(&path)).unwrap();
    print!("{}", loaded.report().render(false));
    println!("ok = {}", loaded.checked.spec.is_some());
}
