fn main() {
    println!("{}", serde_json::to_string_pretty(&payup_core::schema::operations_schema()).unwrap());
}
