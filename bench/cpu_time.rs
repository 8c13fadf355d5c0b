//! A criterion measurement that counts the CPU time of the benchmark process and of the child
//! processes it waited for, in place of wall-clock time.
//!
//! The build machine is shared, so wall time also counts the time other jobs held a core. CPU
//! time leaves that out. Each `cargo bench` suite of the workspace includes this file with
//! `#[path = "../../bench/cpu_time.rs"]`.
//!
//! Threads are read from `/proc/self/task/*/schedstat` (nanoseconds on a CPU), so the rayon
//! threads of a parallel step count too. Child processes are read from the `cutime` and
//! `cstime` fields of `/proc/self/stat`, which count clock ticks. Linux only: elsewhere every
//! sample reads zero and criterion reports nothing useful.

use criterion::measurement::{Measurement, ValueFormatter};
use criterion::Throughput;
use std::time::Duration;

/// Clock ticks per second of `/proc/<pid>/stat`, Linux's `USER_HZ`. It is 100 on x86 and Arm.
/// Reading it at run time would need `sysconf` and so `unsafe`, which the workspace forbids.
const TICKS_PER_SECOND: u64 = 100;

/// CPU time of this process's live threads plus its waited-for children.
#[derive(Debug, Default, Clone, Copy)]
pub struct ProcessCpuTime;

impl ProcessCpuTime {
    /// Returns the CPU time used so far. Threads that exit between two readings drop out of
    /// the sum, so a measurement is clamped at zero rather than going negative.
    pub fn now() -> Duration {
        threads_cpu_time() + children_cpu_time()
    }
}

fn threads_cpu_time() -> Duration {
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return Duration::ZERO;
    };
    let mut total = 0u64;
    for task in tasks.flatten() {
        let Ok(line) = std::fs::read_to_string(task.path().join("schedstat")) else {
            continue;
        };
        if let Some(nanoseconds) = line
            .split_whitespace()
            .next()
            .and_then(|v| v.parse::<u64>().ok())
        {
            total += nanoseconds;
        }
    }
    Duration::from_nanos(total)
}

fn children_cpu_time() -> Duration {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return Duration::ZERO;
    };
    // The command name in field 2 may contain spaces, so fields are counted after its `)`.
    // There `cutime` and `cstime` are fields 16 and 17 of the line, the 14th and 15th after.
    let Some((_, after_name)) = stat.rsplit_once(')') else {
        return Duration::ZERO;
    };
    let ticks: u64 = after_name
        .split_whitespace()
        .skip(13)
        .take(2)
        .filter_map(|field| field.parse::<u64>().ok())
        .sum();
    Duration::from_millis(ticks * 1000 / TICKS_PER_SECOND)
}

impl Measurement for ProcessCpuTime {
    type Intermediate = Duration;
    type Value = Duration;

    fn start(&self) -> Duration {
        Self::now()
    }

    fn end(&self, started: Duration) -> Duration {
        Self::now().saturating_sub(started)
    }

    fn add(&self, first: &Duration, second: &Duration) -> Duration {
        *first + *second
    }

    fn zero(&self) -> Duration {
        Duration::ZERO
    }

    fn to_f64(&self, value: &Duration) -> f64 {
        value.as_nanos() as f64
    }

    fn formatter(&self) -> &dyn ValueFormatter {
        &CpuTimeFormatter
    }
}

/// Formatter for nanosecond values in the largest unit that keeps them at or above 1, marked
/// as CPU time so that a report is not read as wall time.
struct CpuTimeFormatter;

impl ValueFormatter for CpuTimeFormatter {
    fn scale_values(&self, typical: f64, values: &mut [f64]) -> &'static str {
        let (divisor, unit) = if typical < 1e3 {
            (1.0, "ns CPU")
        } else if typical < 1e6 {
            (1e3, "µs CPU")
        } else if typical < 1e9 {
            (1e6, "ms CPU")
        } else {
            (1e9, "s CPU")
        };
        for value in values.iter_mut() {
            *value /= divisor;
        }
        unit
    }

    fn scale_throughputs(
        &self,
        _typical: f64,
        throughput: &Throughput,
        values: &mut [f64],
    ) -> &'static str {
        // `values` are nanoseconds per iteration, and the rate is work per CPU second.
        let (per_iteration, unit) = match *throughput {
            Throughput::Bytes(bytes) | Throughput::BytesDecimal(bytes) => {
                (bytes as f64 / (1024.0 * 1024.0), "MiB/CPU s")
            }
            Throughput::Bits(bits) => (bits as f64 / 1e6, "Mbit/CPU s"),
            Throughput::Elements(elements) | Throughput::ElementsAndBytes { elements, .. } => {
                (elements as f64, "elem/CPU s")
            }
        };
        for value in values.iter_mut() {
            *value = per_iteration * 1e9 / *value;
        }
        unit
    }

    fn scale_for_machines(&self, _values: &mut [f64]) -> &'static str {
        "ns CPU"
    }
}
