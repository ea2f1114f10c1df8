//! Training parameters as flags: one flag per entry of
//! [`gbdt_core::Params::all`] that has one, its name, help text and default
//! taken from that table (shared by `gbdt train` and `gbdt cv`).

use std::collections::BTreeMap;

use clap::{Arg, ArgAction, ArgMatches, Args, FromArgMatches};
use gbdt_core::{Param, Params, ValueKind};

/// Training parameters as flags, one per entry of [`Params::all`] that has
/// a flag: the names, help text and defaults all come from that table. A
/// flag keeps its text; `config.rs` merges it with a `--config` file and
/// sets it on `Params`. Values are type-checked while parsing, so
/// `--rounds many` is a usage error that names the flag.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct ParamArgs {
    /// Text per canonical parameter name.
    values: BTreeMap<&'static str, String>,
}

impl ParamArgs {
    /// The text given for a parameter (canonical name), if any.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.values.get(name).map(String::as_str)
    }

    /// Sets the text of a parameter, replacing an earlier one.
    pub fn insert(&mut self, param: &'static Param, text: String) {
        self.values.insert(param.name(), text);
    }

    /// Every parameter given, in the order of [`Params::all`].
    pub fn iter(&self) -> impl Iterator<Item = (&'static Param, &str)> + '_ {
        Params::all()
            .iter()
            .filter_map(|p| self.get(p.name()).map(|text| (p, text)))
    }
}

/// The help's default for a flag: `Params::default()`'s value, except that
/// `gbdt train` picks the objective from the target.
pub fn default_text(param: &Param) -> String {
    match param.name() {
        "objective" => "from the target".to_string(),
        _ => param.default_text(),
    }
}

/// The doc line of a parameter and its default, as `--help` shows them.
pub fn help_text(param: &Param) -> String {
    let doc = param.doc().trim_end_matches('.');
    format!("{doc} [default: {}]", default_text(param))
}

/// The placeholder of a parameter's value in help text, and whether the
/// flag may be repeated (lists).
fn value_name(param: &Param) -> (&'static str, bool) {
    match param.kind() {
        ValueKind::Count => ("N", false),
        ValueKind::Number => ("X", false),
        ValueKind::Names => ("NAMES", true),
        ValueKind::Integers => ("LIST", false),
        ValueKind::Sets => ("SETS", false),
        ValueKind::Numbers => ("LIST", false),
        ValueKind::Bool => ("BOOL", false),
        _ => ("NAME", false),
    }
}

/// The README's table of training parameters, made from the declaration in
/// gbdt-core (a test keeps the README equal to it).
#[cfg(test)]
pub(crate) fn param_table() -> String {
    let mut out =
        String::from("| Flag | Default | Meaning | Config keys |\n| --- | --- | --- | --- |\n");
    for param in Params::all() {
        let Some(flag) = param.flag() else { continue };
        let mut keys: Vec<String> = Vec::new();
        for key in param.spellings().map(|k| format!("`{k}`")) {
            if !keys.contains(&key) {
                keys.push(key);
            }
        }
        out += &format!(
            "| `--{flag} {}` | {} | {} | {} |\n",
            value_name(param).0,
            default_text(param),
            param.doc().replace('|', "\\|"),
            keys.join(", ")
        );
    }
    out
}

fn param_arg(param: &'static Param, flag: &'static str) -> Arg {
    let (value_name, many) = value_name(param);
    let arg = Arg::new(flag)
        .long(flag)
        .value_name(value_name)
        .help(help_text(param))
        .help_heading("Parameters")
        .allow_negative_numbers(param.kind() == ValueKind::Number)
        .value_parser(move |text: &str| check_value(param, text));
    if many {
        arg.action(ArgAction::Append).value_delimiter(',')
    } else if param.kind() == ValueKind::Bool {
        // A bare `--flag` means true.
        arg.action(ArgAction::Set)
            .num_args(0..=1)
            .default_missing_value("true")
    } else {
        arg.action(ArgAction::Set)
    }
}

/// Type-checks one flag value with the parameter's own setter.
fn check_value(param: &Param, text: &str) -> Result<String, String> {
    if let Some(named) = crate::by_name::named_value(param.name(), text) {
        // Names become positions once the training features are known.
        return named.check(text).map(|()| text.to_string());
    }
    match param.set(&mut Params::default(), text) {
        Ok(()) => Ok(text.to_string()),
        Err(gbdt_core::Error::InvalidParam { allowed, .. }) => Err(format!("expected {allowed}")),
        Err(e) => Err(e.to_string()),
    }
}

impl Args for ParamArgs {
    fn augment_args(cmd: clap::Command) -> clap::Command {
        Params::all()
            .iter()
            .filter_map(|p| p.flag().map(|flag| param_arg(p, flag)))
            .fold(cmd, clap::Command::arg)
    }

    fn augment_args_for_update(cmd: clap::Command) -> clap::Command {
        Self::augment_args(cmd)
    }
}

impl FromArgMatches for ParamArgs {
    fn from_arg_matches(matches: &ArgMatches) -> Result<Self, clap::Error> {
        let mut args = ParamArgs::default();
        args.update_from_arg_matches(matches)?;
        Ok(args)
    }

    fn update_from_arg_matches(&mut self, matches: &ArgMatches) -> Result<(), clap::Error> {
        for param in Params::all() {
            let Some(flag) = param.flag() else { continue };
            if let Some(values) = matches.get_many::<String>(flag) {
                let values: Vec<&str> = values.map(String::as_str).collect();
                self.insert(param, values.join(","));
            }
        }
        Ok(())
    }
}
