//! Prints the distribution of corpus reach over the indicators of the default index, and the
//! most-reached indicators: the figures behind the default `noisy-indicator-reach`.
//!
//! Run with `cargo run --release -p rulelens-analysis --example corpus_distribution`.

use rulelens_corpus::{default_index, IndicatorId};

fn main() {
    let index = match default_index() {
        Ok(index) => index,
        Err(error) => {
            eprintln!("error: {error}");
            std::process::exit(2);
        }
    };
    let mut reaches: Vec<(u32, IndicatorId)> = (0..index.indicator_count())
        .map(|position| {
            let id = IndicatorId(u32::try_from(position).unwrap_or(u32::MAX));
            (index.reach_of(id, false).rules.total(), id)
        })
        .filter(|(reach, _)| *reach > 0)
        .collect();
    reaches.sort();
    let count = reaches.len();
    println!("indicators with reach > 0: {count}");
    for percentile in [50.0, 90.0, 99.0, 99.5, 99.9] {
        let position = ((count as f64) * percentile / 100.0) as usize;
        let reach = reaches
            .get(position.min(count.saturating_sub(1)))
            .map_or(0, |r| r.0);
        println!("p{percentile}: {reach}");
    }
    for threshold in [25, 50, 100, 200] {
        let above = reaches
            .iter()
            .filter(|(reach, _)| *reach >= threshold)
            .count();
        println!("reach >= {threshold}: {above} indicators");
    }
    println!("most reached:");
    for (reach, id) in reaches.iter().rev().take(40) {
        if let Some((concept, op, value)) = index.indicator_key(*id) {
            println!("{reach:>6}  {concept} {} {value}", op.name());
        }
    }
}
