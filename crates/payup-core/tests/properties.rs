//! Properties: validation never panics on any input, masking never shows more than 6 + 4 digits, and
//! what we encode reads back to what was asked.

use payup_core::catalog::{Operation, Request, prepare_json};
use payup_core::payple::parse_form;
use payup_core::{ErrorKind, mask_card_number};
use proptest::prelude::*;
use serde_json::{Value, json};

fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(Value::from),
        ".{0,40}".prop_map(Value::from),
        "[0-9]{0,25}".prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            prop::collection::btree_map(
                prop_oneof![
                    Just("card_no".to_string()),
                    Just("amount".to_string()),
                    Just("order_number".to_string()),
                    Just("fields".to_string()),
                    Just("form".to_string()),
                    Just("order".to_string()),
                    "[a-z_]{1,12}"
                ],
                inner,
                0..6
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn reading_any_document_never_panics_and_errors_are_invalid(doc in any_json()) {
        for op in Operation::ALL {
            if let Err(e) = Request::from_json(*op, &doc) {
                prop_assert_eq!(e.kind(), ErrorKind::Invalid);
                prop_assert!(!e.fields().is_empty());
            }
        }
    }

    #[test]
    fn any_string_in_any_field_is_validated_without_panic(field in "[a-z_]{1,16}", value in ".{0,300}") {
        let base = json!({"order_number": "O-1", "card_no": "4111111111111111", "expire_month": "12", "expire_year": "30",
            "birthday": "890302", "card_pw": "12", "amount": 1000, "quota": 0, "item_name": "x", "user_name": "y"});
        let mut doc = base.clone();
        doc[field.as_str()] = Value::String(value.clone());
        let _ = Request::from_json(Operation::PayupKeyinApprove, &doc);
        for key in ["card_no", "order_number", "item_name", "birthday", "card_pw"] {
            let mut doc = base.clone();
            doc[key] = Value::String(value.clone());
            if let Err(e) = Request::from_json(Operation::PayupKeyinApprove, &doc) {
                // An error never quotes the value it refused.
                if value.len() >= 4 {
                    prop_assert!(!e.to_string().contains(&value));
                }
            }
        }
    }

    #[test]
    fn masks_show_at_most_the_first_6_and_last_4(pan in "[0-9]{12,19}") {
        let m = mask_card_number(&pan);
        prop_assert_eq!(m.len(), pan.len());
        let shown: Vec<usize> = m.char_indices().filter(|(_, c)| *c != '*').map(|(i, _)| i).collect();
        prop_assert!(shown.iter().all(|&i| i < 6 || i >= pan.len() - 4), "{}", m);
        prop_assert!(pan.len() - shown.len() >= 6);
        for (i, c) in m.char_indices() {
            if c != '*' { prop_assert_eq!(c, pan.as_bytes()[i] as char); }
        }
    }

    #[test]
    fn a_keyin_approval_encodes_what_was_asked(
        order in "[A-Za-z0-9_-]{1,20}", card in "[0-9]{11,20}", amount in 1u64..=999_999_999_999,
        quota in 0u64..=24, name in "[가-힣a-z ]{1,16}", now in 0i64..4_102_444_800
    ) {
        let creds = json!({"payup": {"merchant_id": "tester", "api_cert_key": "25bcd7a82f5b4058818462cc7715964c"}});
        let req = json!({"order_number": order, "card_no": card, "expire_month": "07", "expire_year": "29", "birthday": "890302",
            "card_pw": "12", "amount": amount, "quota": quota, "item_name": name, "user_name": name});
        let http = prepare_json(&creds, "payup.keyin.approve", &req, now, None, None).unwrap();
        let b = &http["body"];
        prop_assert_eq!(b["orderNumber"].as_str(), Some(order.as_str()));
        prop_assert_eq!(b["cardNo"].as_str(), Some(card.as_str()));
        prop_assert_eq!(b["amount"].as_str().map(String::from), Some(amount.to_string()));
        prop_assert_eq!(b["quota"].as_str().map(String::from), Some(quota.to_string()));
        prop_assert!(b.as_object().unwrap().values().all(Value::is_string), "every field a JSON string (§2.0)");
        let ts = b["timestamp"].as_str().unwrap();
        prop_assert_eq!(ts.len(), 14);
        let sig = payup_core::payup::approval_signature("tester", &order, amount, "25bcd7a82f5b4058818462cc7715964c", ts);
        prop_assert_eq!(b["signature"].as_str(), Some(sig.as_str()));
    }

    #[test]
    fn form_encoding_round_trips(fields in prop::collection::btree_map("PCD_[A-Z_]{1,12}", ".{0,30}", 0..8)) {
        let mut body = String::new();
        for (k, v) in &fields {
            if !body.is_empty() { body.push('&'); }
            let enc = |s: &str| s.bytes().map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'_' | b'-' | b'.' => (b as char).to_string(),
                b' ' => "+".into(),
                _ => format!("%{b:02X}"),
            }).collect::<String>();
            body.push_str(&format!("{}={}", enc(k), enc(v)));
        }
        let parsed = parse_form(&body).unwrap();
        prop_assert_eq!(parsed.len(), fields.len());
        for (k, v) in &fields {
            prop_assert_eq!(parsed[k].as_str(), Some(v.as_str()));
        }
    }
}
