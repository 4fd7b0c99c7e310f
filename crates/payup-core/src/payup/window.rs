//! The KakaoPay payment window page (payup-kakaopay-kcp.txt §3.2): pure, from an order result.

use super::*;

// ---- KakaoPay window (§3.2) --------------------------------------------------------------------

/// The script KCP's PC window loads (payup-kakaopay-kcp.txt §3.2.2).
pub const KCP_PC_SCRIPT_URL: &str = "https://pay.kcp.co.kr/plugin/payplus_web.jsp";

/// `payup.kakaopay.window`: the HTML page that opens the KakaoPay window for an order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KakaopayWindowRequest {
    /// The result of payup.kakaopay.order (its window parameters) (payup-kakaopay-kcp.txt §3.2)
    pub order: KakaopayOrdered,
    /// userAgent: WM (mobile window, default) or WP (PC) (payup-kakaopay-kcp.txt §3.1)
    pub user_agent: WindowKind,
    /// The PC window's script; the transport points it at the sandbox when the Payup base URL is overridden.
    pub kcp_script_url: Option<String>,
    /// param_opt_1: passed through the window (payup-kakaopay-kcp.txt §3.2)
    pub param_opt_1: Option<String>,
    /// param_opt_2: passed through the window (payup-kakaopay-kcp.txt §3.2)
    pub param_opt_2: Option<String>,
    /// param_opt_3: passed through the window (payup-kakaopay-kcp.txt §3.2)
    pub param_opt_3: Option<String>,
}

/// The window page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct KakaopayWindow {
    /// The window page's HTML, to send to the buyer's browser (payup-kakaopay-kcp.txt §3.2)
    pub html: String,
}

/// Escapes text for an HTML attribute value or element content.
pub fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

impl KakaopayWindowRequest {
    /// Reads and validates a request document (every broken field at once).
    pub fn from_json(v: &Value) -> Result<Self, Error> {
        let mut d = Doc::new(v)?;
        let order_v = d.object("order", "is required (the result of payup.kakaopay.order)");
        let ua = d.opt_str("user_agent");
        let kcp_script_url = d.opt_str("kcp_script_url");
        let opts = [d.opt_str("param_opt_1"), d.opt_str("param_opt_2"), d.opt_str("param_opt_3")];
        let mut p = d.finish();
        fields::check_one_of(
            &mut p,
            "user_agent",
            ua.as_deref(),
            &["WM", "WP"],
            "must be \"WM\" (mobile) or \"WP\" (PC)",
        );
        let kind = ua.as_deref().and_then(WindowKind::parse).unwrap_or(WindowKind::WM);
        let order = match order_v.map(|m| KakaopayOrdered::from_json(&Value::Object(m.clone()))) {
            Some(Ok(o)) => Some(o),
            Some(Err(e)) => {
                for f in e.fields {
                    p.push(&format!("order.{}", f.field), f.rule);
                }
                None
            }
            None => None,
        };
        p.into_result()?;
        let [param_opt_1, param_opt_2, param_opt_3] = opts;
        let w = KakaopayWindowRequest {
            order: order.expect("checked above"),
            user_agent: kind,
            kcp_script_url,
            param_opt_1,
            param_opt_2,
            param_opt_3,
        };
        w.validate()?;
        Ok(w)
    }

    /// Checks every field (an `invalid` error naming each broken one).
    pub fn validate(&self) -> Result<(), Error> {
        let mut p = Problems::default();
        if self.user_agent == WindowKind::WM {
            for (name, v) in [("order.pay_url", &self.order.pay_url), ("order.approval_key", &self.order.approval_key)]
            {
                if v.as_deref().is_none_or(str::is_empty) {
                    p.push(name, "is required for the WM (mobile) window");
                }
            }
            if let Some(u) = &self.order.pay_url {
                fields::check_url(&mut p, "order.pay_url", u, 2048);
            }
        }
        if let Some(u) = &self.kcp_script_url {
            fields::check_url(&mut p, "kcp_script_url", u, 2048);
        }
        // The WP form posts to Ret_URL: never let a `javascript:` or relative value become its action.
        fields::check_url(&mut p, "order.ret_url", &self.order.ret_url, 2048);
        p.into_result()
    }

    /// Renders the page. Decisions (specs/README: the §3.2 form samples contradict the §3.1 table):
    /// - Field names follow the order response table, `ordr_idxx` and `buyr_name`: the samples'
    ///   `ordr_idx` and `buysr_name` are typos (the `/pay` call of §3.3 reads `ordr_idxx` back).
    /// - The WM (mobile) form posts to `pay_url` with `approval_key`, as the §3.2.1 sample does and as
    ///   KCP's mobile window works; the table's "PC(WP) only" note on those two fields is wrong. The WP
    ///   form uses KCP's script (`KCP_Pay_Execute`) and needs neither.
    /// - Both forms keep `accept-charset="euc-kr"` as the samples show; the page itself is UTF-8.
    /// - The WP page submits the filled form to `Ret_URL` from `m_Completepayment`, for success and
    ///   failure alike: the merchant's server decides (a browser `res_cd` is never trusted).
    pub fn render(&self) -> Result<KakaopayWindow, Error> {
        self.validate()?;
        let o = &self.order;
        let e = html_escape;
        let input =
            |name: &str, value: &str| format!("<input type=\"hidden\" name=\"{name}\" value=\"{}\">\n", e(value));
        let opt = |v: &Option<String>| v.clone().unwrap_or_default();
        let mut h = String::with_capacity(4096);
        h.push_str("<!DOCTYPE html>\n<html lang=\"ko\">\n<head>\n<meta charset=\"utf-8\">\n");
        h.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>카카오페이 결제</title>\n</head>\n<body>\n");
        match self.user_agent {
            WindowKind::WM => {
                let action = e(o.pay_url.as_deref().unwrap_or_default());
                h.push_str(&format!(
                    "<form name=\"form\" action=\"{action}\" method=\"post\" accept-charset=\"euc-kr\">\n"
                ));
                h.push_str(&input("ordr_idxx", &o.ordr_idxx));
                h.push_str(&input("good_name", &o.good_name));
                h.push_str(&input("good_mny", &o.good_mny.to_string()));
                h.push_str(&input("buyr_name", &o.buyr_name));
                h.push_str(&input("site_cd", &o.site_cd));
                h.push_str(&input("Ret_URL", &o.ret_url));
                h.push_str(&input("approval_key", o.approval_key.as_deref().unwrap_or_default()));
                for (k, v) in [
                    ("req_tx", "pay"),
                    ("pay_method", "CARD"),
                    ("ActionResult", "card"),
                    ("currency", "410"),
                    ("escw_used", "N"),
                    ("kakaopay_direct", "Y"),
                ] {
                    h.push_str(&input(k, v));
                }
                h.push_str(&input("param_opt_1", &opt(&self.param_opt_1)));
                h.push_str(&input("param_opt_2", &opt(&self.param_opt_2)));
                h.push_str(&input("param_opt_3", &opt(&self.param_opt_3)));
                h.push_str("<noscript><button type=\"submit\">카카오페이로 결제</button></noscript>\n</form>\n");
                h.push_str("<script>document.form.submit();</script>\n");
            }
            WindowKind::WP => {
                let action = e(&o.ret_url);
                h.push_str(&format!(
                    "<form name=\"order_info\" action=\"{action}\" method=\"post\" accept-charset=\"euc-kr\">\n"
                ));
                h.push_str(&input("ordr_idxx", &o.ordr_idxx));
                h.push_str(&input("good_name", &o.good_name));
                h.push_str(&input("good_mny", &o.good_mny.to_string()));
                h.push_str(&input("buyr_name", &o.buyr_name));
                h.push_str(&input("site_cd", &o.site_cd));
                for (k, v) in [
                    ("req_tx", "pay"),
                    ("pay_method", "100000000000"),
                    ("currency", "410"),
                    ("kakaopay_direct", "Y"),
                    ("module_type", "01"),
                    ("ordr_chk", ""),
                ] {
                    h.push_str(&input(k, v));
                }
                h.push_str(&input("param_opt_1", &opt(&self.param_opt_1)));
                h.push_str(&input("param_opt_2", &opt(&self.param_opt_2)));
                h.push_str(&input("param_opt_3", &opt(&self.param_opt_3)));
                for k in [
                    "res_cd",
                    "res_msg",
                    "enc_info",
                    "enc_data",
                    "ret_pay_method",
                    "tran_cd",
                    "use_pay_method",
                    "card_pay_method",
                ] {
                    h.push_str(&input(k, ""));
                }
                h.push_str("</form>\n<script>\n");
                h.push_str(
                    "function m_Completepayment(FormOrJson, closeEvent) {\n  var frm = document.order_info;\n  GetField(frm, FormOrJson);\n  if (typeof closeEvent === \"function\" && frm.res_cd.value !== \"0000\") { closeEvent(); }\n  frm.submit();\n}\nfunction jsf__pay() {\n  try { KCP_Pay_Execute(document.order_info); } catch (e) { /* IE ends a normal payment with throw */ }\n}\n",
                );
                h.push_str("</script>\n");
                let script = self.kcp_script_url.as_deref().unwrap_or(KCP_PC_SCRIPT_URL);
                h.push_str(&format!("<script type=\"text/javascript\" src=\"{}\"></script>\n", e(script)));
                h.push_str("<script>jsf__pay();</script>\n");
            }
        }
        h.push_str("</body>\n</html>\n");
        Ok(KakaopayWindow { html: h })
    }
}

impl Flow for KakaopayWindowRequest {
    type Output = KakaopayWindow;
    fn read(v: &Value) -> Result<Self, Error> {
        Self::from_json(v)
    }
    fn pure(&self) -> Option<Result<KakaopayWindow, Error>> {
        Some(self.render())
    }
    fn prepare(&self, _: &Credentials, _: Timestamp, _: Option<&PartnerAuth>) -> Result<HttpRequest, Error> {
        Err(crate::flow::nothing_to_send(Self::OPERATION))
    }
    fn parse(_: &HttpResponse) -> Result<KakaopayWindow, Error> {
        Err(crate::flow::nothing_to_send(Self::OPERATION))
    }
}
