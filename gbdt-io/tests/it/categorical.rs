//! Categorical features from CSV: which columns become categorical in each
//! mode, their codes, the limit, and the mapping of new files' values to a
//! model's codes at prediction.

use gbdt_core::{Executor, Objective, Params};
use gbdt_io::{
    labelled_data, parse_target, prediction_features, save_model, training_data, CategoricalMode,
    Error, LoadedModel, ModelFeatures, ModelFile, Selection, Table, TrainingData,
};
use proptest::prelude::*;

use crate::util::{exec, table, temp_dir, Rng};

fn names(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

fn select(t: &Table, target: &str, sel: &Selection) -> gbdt_io::Result<TrainingData> {
    training_data(t, &parse_target(target, t).unwrap(), sel, exec())
}

fn mode(categorical: CategoricalMode) -> Selection {
    Selection {
        categorical,
        ..Selection::default()
    }
}

fn columns(list: &[&str]) -> Selection {
    mode(CategoricalMode::Columns(names(list)))
}

fn reasons(d: &TrainingData) -> Vec<(&str, &str)> {
    d.dropped_columns
        .iter()
        .map(|c| (c.name.as_str(), c.reason.as_str()))
        .collect()
}

/// `rows` rows: a unique id, a color of three, a city of `cities`, an
/// amount, a flag and a label.
fn shop(rows: usize, cities: usize) -> Table {
    let mut s = String::from("id,color,city,amount,flag,y\n");
    for i in 0..rows {
        let color = ["red", "green", "blue"][i % 3];
        let color = if i % 7 == 3 { "" } else { color };
        s += &format!(
            "id{i},{color},city{},{},{},{}\n",
            (i * 7) % cities,
            i % 10,
            i % 2 == 0,
            i % 3 == 0
        );
    }
    table(&s)
}

#[test]
fn auto_makes_text_columns_categorical_and_drops_identifiers() {
    let t = shop(40, 5);
    let d = select(&t, "y", &Selection::default()).unwrap();
    assert_eq!(d.feature_names, names(&["color", "city", "amount", "flag"]));
    assert_eq!(d.categorical_features(), [("color", 3), ("city", 5)]);
    assert_eq!(d.categories.names(0).unwrap(), ["blue", "green", "red"]);
    assert_eq!(
        d.categories.names(1).unwrap(),
        ["city0", "city1", "city2", "city3", "city4"]
    );
    // Rows 0..4: red, green, blue, (missing), green; cities 0, 2, 4, 1, 3.
    let color: Vec<f32> = d.features.column(0).iter().take(5).copied().collect();
    assert_eq!(&color[..3], [2.0, 1.0, 0.0]);
    assert!(color[3].is_nan());
    assert_eq!(color[4], 1.0);
    let city: Vec<f32> = d.features.column(1).iter().take(5).copied().collect();
    assert_eq!(city, [0.0, 2.0, 4.0, 1.0, 3.0]);
    assert_eq!(d.features.row(1).to_vec()[2..], [1.0, 0.0]);
    assert_eq!(
        reasons(&d),
        [("id", "identifier-like text: 40 distinct values in 40 rows")]
    );
    // The categories reach gbdt-core.
    let ds = d.dataset().unwrap();
    assert_eq!(ds.categories().count(1), Some(5));
}

#[test]
fn auto_drops_text_columns_over_the_limit_saying_how_to_keep_them() {
    // 12 cities in 40 rows: over a limit of 10, but not identifier-like.
    let t = shop(40, 12);
    let sel = Selection {
        max_categories: 10,
        ..Selection::default()
    };
    let d = select(&t, "y", &sel).unwrap();
    assert_eq!(d.categorical_features(), [("color", 3)]);
    assert_eq!(
        reasons(&d),
        [
            ("id", "identifier-like text: 40 distinct values in 40 rows"),
            (
                "city",
                "too many categories: text column with 12 distinct values, more than the limit of 10; \
                 raise the limit to use it as a categorical feature (--max-categories 12)"
            )
        ]
    );
    // More distinct values than the limit and one per two rows or more:
    // identifier-like even though not every value differs.
    let t = shop(40, 20);
    let d = select(&t, "y", &sel).unwrap();
    assert_eq!(
        reasons(&d)[1],
        (
            "city",
            "identifier-like text: 20 distinct values in 40 rows"
        )
    );
    // Thousands are separated in reasons.
    let t = shop(2400, 1200);
    let d = select(&t, "y", &Selection::default()).unwrap();
    assert_eq!(
        reasons(&d),
        [
            (
                "id",
                "identifier-like text: 2,400 distinct values in 2,400 rows"
            ),
            (
                "city",
                "identifier-like text: 1,200 distinct values in 2,400 rows"
            )
        ]
    );
}

#[test]
fn none_mode_selects_exactly_numbers_and_bools() {
    let t = shop(30, 4);
    let d = select(&t, "y", &mode(CategoricalMode::None)).unwrap();
    assert_eq!(d.feature_names, names(&["amount", "flag"]));
    assert!(d.categories.is_empty());
    assert_eq!(
        reasons(&d),
        [
            (
                "id",
                "string column (line 2 has 'id0', which is not a number or true/false)"
            ),
            (
                "color",
                "string column (line 2 has 'red', which is not a number or true/false)"
            ),
            (
                "city",
                "string column (line 2 has 'city0', which is not a number or true/false)"
            )
        ]
    );
    // Without text columns the modes agree.
    let numbers = table("a,b,y\n1,true,0\n2,false,1\n3,NA,1\n");
    let auto = select(&numbers, "y", &Selection::default()).unwrap();
    let none = select(&numbers, "y", &mode(CategoricalMode::None)).unwrap();
    assert_eq!(auto.feature_names, none.feature_names);
    let bits = |d: &TrainingData| d.features.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
    assert_eq!(bits(&auto), bits(&none));
    assert!(auto.categories.is_empty() && auto.dropped_columns.is_empty());
}

#[test]
fn named_columns_are_categorical_and_other_text_is_dropped() {
    let t = table(
        "zip,color,score,ok,y\n10,red,1.5,true,0\n2,blue,2.5,false,1\n33,red,,true,0\n2,,4,NA,1\n",
    );
    let d = select(&t, "y", &columns(&["zip", "ok"])).unwrap();
    assert_eq!(d.feature_names, names(&["zip", "score", "ok"]));
    assert_eq!(d.categorical_features(), [("zip", 3), ("ok", 2)]);
    // Integers sort numerically; bools are false, true.
    assert_eq!(d.categories.names(0).unwrap(), ["2", "10", "33"]);
    assert_eq!(d.categories.names(2).unwrap(), ["false", "true"]);
    assert_eq!(d.features.column(0).to_vec(), [1.0, 0.0, 2.0, 0.0]);
    assert_eq!(d.features.row(0).to_vec(), [1.0, 1.5, 1.0]);
    assert!(d.features[[3, 2]].is_nan());
    assert_eq!(reasons(&d)[0].0, "color");
    assert!(reasons(&d)[0].1.starts_with("string column"));
    // An explicit list in auto mode makes its text columns categorical.
    let sel = Selection {
        features: Some(names(&["color", "score"])),
        ..Selection::default()
    };
    let d = select(&t, "y", &sel).unwrap();
    assert_eq!(d.categorical_features(), [("color", 2)]);
}

#[test]
fn named_columns_must_fit_and_hold_whole_numbers() {
    let t = shop(40, 12);
    let e = select(
        &t,
        "y",
        &Selection {
            max_categories: 10,
            ..columns(&["city"])
        },
    )
    .unwrap_err();
    assert!(matches!(
        &e,
        Error::TooManyCategories { column, count: 12, limit: 10, .. } if column == "city"
    ));
    assert_eq!(
        e.to_string(),
        "t.csv: column 'city' has 12 distinct values, more than the limit of 10 categories; \
         raise the limit (--max-categories 12) or do not declare the column categorical"
    );
    let t = table("score,y\n1,0\n2.5,1\n");
    let e = select(&t, "y", &columns(&["score"]))
        .unwrap_err()
        .to_string();
    assert!(
        e.starts_with(
            "t.csv, line 3, column 'score': value '2.5' is not a whole number, so the column cannot be categorical"
        ),
        "{e}"
    );
    let t = shop(10, 3);
    let err = |sel: Selection| select(&t, "y", &sel).unwrap_err().to_string();
    let e = err(columns(&["nope"]));
    assert!(
        e.contains("no column 'nope' (given as a categorical column)"),
        "{e}"
    );
    let e = err(columns(&["y"]));
    assert!(
        e.contains("'y' cannot be used as a categorical column"),
        "{e}"
    );
    let e = err(Selection {
        drop: names(&["color"]),
        ..columns(&["color"])
    });
    assert!(e.contains("also listed in drop"), "{e}");
    let e = err(Selection {
        features: Some(names(&["amount"])),
        ..columns(&["color"])
    });
    assert!(e.contains("not in the feature list"), "{e}");
    for bad in [0, gbdt_core::MAX_CATEGORIES + 1] {
        let e = err(Selection {
            max_categories: bad,
            ..Selection::default()
        });
        assert!(e.starts_with("invalid max_categories"), "{e}");
    }
}

/// A model whose tree splits on a 6-category feature `purpose` (with an
/// amount), trained on `rows` rows of it.
fn purpose_model(rows: usize) -> (ModelFile, Table) {
    let purposes = ["car", "house", "business", "education", "medical", "other"];
    let mut rng = Rng::new(7);
    let mut s = String::from("purpose,amount,y\n");
    for i in 0..rows {
        let k = (rng.next() % 6) as usize;
        let amount = rng.unit() * 10.0;
        let y = [1.0, 3.0, -2.0, 2.0, -1.0, 0.0][k] + amount * 0.1;
        let purpose = if i % 17 == 0 { "" } else { purposes[k] };
        s += &format!("{purpose},{amount:.3},{y:.4}\n");
    }
    let t = table(&s);
    let d = select(&t, "y", &Selection::default()).unwrap();
    let params = Params {
        objective: Objective::SquaredError,
        num_rounds: 8,
        max_depth: 3,
        min_data_per_group: 5,
        threads: Some(1),
        ..Params::default()
    };
    let model = gbdt_core::train(&params, &d.dataset().unwrap(), &[]).unwrap();
    assert!(model
        .trees()
        .iter()
        .any(|t| !t.category_splits().is_empty()));
    (ModelFile::from(model), t)
}

#[test]
fn unseen_categories_are_missing_or_strict_errors() {
    let (file, _) = purpose_model(300);
    let model = &file.model;
    let new = table("amount,purpose\n1,house\n1,\n1,boat\n1,car\n2,yacht\n");
    let x = prediction_features(&new, &ModelFeatures::of(model), exec()).unwrap();
    // Codes: business 0, car 1, education 2, house 3, medical 4, other 5.
    assert_eq!((x[[0, 0]], x[[3, 0]]), (3.0, 1.0));
    assert!(x[[1, 0]].is_nan() && x[[2, 0]].is_nan() && x[[4, 0]].is_nan());
    assert_eq!(x.column(1).to_vec(), [1.0, 1.0, 1.0, 1.0, 2.0]);
    // An unseen category follows the default direction, like a missing one.
    let p = model.predict(x.view()).unwrap();
    assert_eq!(p[[1, 0]].to_bits(), p[[2, 0]].to_bits());
    let strict = ModelFeatures {
        strict_categories: true,
        ..ModelFeatures::of(model)
    };
    let e = prediction_features(&new, &strict, exec()).unwrap_err();
    assert!(
        matches!(&e, Error::UnseenCategory { line: 4, column, value, .. } if column == "purpose" && value == "boat")
    );
    assert_eq!(
        e.to_string(),
        "t.csv, line 4, column 'purpose': category 'boat' was not seen in training (the model knows \
         'business', 'car', 'education', 'house', 'medical', 'other'); without strict categories it \
         is treated as missing"
    );
    // Evaluation data maps categories the same way.
    let rule = parse_target("y", &table("y\n1\n")).unwrap();
    let labelled = table("purpose,amount,y\nmedical,3,1\nboat,2,0\n");
    let v = labelled_data(&labelled, &rule, &ModelFeatures::of(model), false, exec()).unwrap();
    assert_eq!(v.features[[0, 0]], 4.0);
    assert!(v.features[[1, 0]].is_nan());
    assert_eq!(&v.categories, model.categories());
    assert!(labelled_data(&labelled, &rule, &strict, false, exec()).is_err());
}

#[test]
fn numbers_in_one_file_and_text_in_another_map_by_their_text() {
    // Trained on an integer column named categorical: categories 1, 2, 10.
    let t = table("code,x,y\n1,0,0\n2,1,1\n10,2,0\n2,3,1\n1,4,0\n");
    let d = select(&t, "y", &columns(&["code"])).unwrap();
    assert_eq!(d.categories.names(0).unwrap(), ["1", "2", "10"]);
    let features = d.model_features();
    // The same column as text in a new file: "10.0" and "1e1" are 10.
    let text = table("x,code\n0,2\n0,10.0\n0,1e1\n0,ten\n0,\n0,01\n");
    let x = prediction_features(&text, &features, exec()).unwrap();
    let codes: Vec<f32> = x.column(0).to_vec();
    assert_eq!(codes[..3], [1.0, 2.0, 2.0]);
    assert!(codes[3].is_nan() && codes[4].is_nan());
    assert_eq!(codes[5], 0.0); // "01" is the whole number 1
                               // Trained on text, predicted on a number column.
    let t = table("code,y\na,0\n2,1\n3.5,0\n2,1\n");
    let d = select(&t, "y", &Selection::default()).unwrap();
    assert_eq!(d.categories.names(0).unwrap(), ["2", "3.5", "a"]);
    let features = ModelFeatures {
        names: &d.feature_names,
        categories: &d.categories,
        strict_categories: true,
    };
    let numbers = table("code\n2\n3.5\n2.0\n");
    let x = prediction_features(&numbers, &features, exec()).unwrap();
    assert_eq!(x.column(0).to_vec(), [0.0, 1.0, 0.0]);
    let e = prediction_features(&table("code\n7\n"), &features, exec()).unwrap_err();
    assert!(e.to_string().contains("category '7'"), "{e}");
}

#[test]
fn categorical_models_round_trip_in_both_formats() {
    let (file, t) = purpose_model(300);
    let x = prediction_features(&t, &ModelFeatures::of(&file.model), exec()).unwrap();
    let want = file.model.predict(x.view()).unwrap();
    let dir = temp_dir("categorical");
    for name in ["m.gbdt", "m.json"] {
        let path = dir.join(name);
        save_model(&path, &file, None).unwrap();
        let LoadedModel { file: back, .. } = gbdt_io::load_model(&path).unwrap();
        assert_eq!(back, file, "{name}");
        assert_eq!(back.model.categories(), file.model.categories(), "{name}");
        let x = prediction_features(&t, &ModelFeatures::of(&back.model), exec()).unwrap();
        let got = back.model.predict(x.view()).unwrap();
        let bits = |a: &ndarray::Array2<f64>| a.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&got), bits(&want), "{name}");
    }
    std::fs::remove_dir_all(dir).unwrap();
}

fn text_column() -> impl Strategy<Value = Vec<Option<String>>> {
    let value = prop::sample::select(vec!["a", "b", "B", "10", "9", "x y", "é", "1.0", "true"]);
    prop::collection::vec(
        prop::option::weighted(0.85, value.prop_map(String::from)),
        2..60,
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Training codes name each row's text, and a model's features map the
    /// same file back to exactly the training matrix, on any thread count.
    #[test]
    fn training_codes_and_prediction_mapping_agree(
        col in text_column(),
        threads in 1usize..4,
    ) {
        // A text value in row 0 keeps the column text whatever the others are.
        let mut s = String::from("c,n,y\nzz,0,0\n");
        for (i, v) in col.iter().enumerate() {
            s += &format!("{},{i},{}\n", v.as_deref().unwrap_or(""), i % 2);
        }
        let t = table(&s);
        let exec = Executor::new(threads).unwrap();
        let rule = parse_target("y", &t).unwrap();
        let sel = columns(&["c"]);
        let d = training_data(&t, &rule, &sel, &exec).unwrap();
        let cats = d.categories.names(0).unwrap();
        prop_assert!(cats.windows(2).all(|w| w[0] < w[1]));
        for (r, v) in std::iter::once(Some("zz".to_string())).chain(col).enumerate() {
            let code = d.features[[r, 0]];
            match v {
                None => prop_assert!(code.is_nan()),
                Some(v) => prop_assert_eq!(&cats[code as usize], &v),
            }
        }
        let features = ModelFeatures { names: &d.feature_names, categories: &d.categories, strict_categories: true };
        let x = prediction_features(&t, &features, &exec).unwrap();
        let bits = |a: ndarray::ArrayView2<f32>| a.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
        prop_assert_eq!(bits(x.view()), bits(d.features.view()));
    }
}
