//! The names the lowering can resolve: `let` bindings and function parameters, in definition
//! order, with ranges of them hidden while a `let` value is followed.
//!
//! Following `let SigninLogs = SigninLogs | where ...` must read the table, not the binding
//! itself, so the binding and everything after it are hidden while its value is lowered.
//! Lookups go through a map from name to positions, so a query with a million `let`
//! statements still resolves each name in logarithmic time.

use super::Binding;
use std::collections::HashMap;
use std::ops::Range;

#[derive(Debug, Default)]
pub(super) struct Scope<'q> {
    entries: Vec<(&'q str, Binding<'q>)>,
    /// Positions in `entries` of each name, ascending.
    positions: HashMap<&'q str, Vec<usize>>,
    /// Ranges of `entries` that lookups skip.
    hidden: Vec<Range<usize>>,
}

impl<'q> Scope<'q> {
    pub(super) fn push(&mut self, name: &'q str, binding: Binding<'q>) {
        self.positions
            .entry(name)
            .or_default()
            .push(self.entries.len());
        self.entries.push((name, binding));
    }

    pub(super) fn len(&self) -> usize {
        self.entries.len()
    }

    /// Removes the entries at `len` and after, such as the `let` statements of a function body
    /// once it has been followed.
    pub(super) fn truncate(&mut self, len: usize) {
        while self.entries.len() > len {
            let Some((name, _)) = self.entries.pop() else {
                break;
            };
            if let Some(positions) = self.positions.get_mut(name) {
                positions.pop();
            }
        }
    }

    /// Returns the position of the visible binding of `name` defined last.
    pub(super) fn position(&self, name: &str) -> Option<usize> {
        let positions = self.positions.get(name)?;
        let mut candidates = positions.len();
        while let Some(&position) = candidates.checked_sub(1).and_then(|i| positions.get(i)) {
            let Some(range) = self.hidden.iter().find(|range| range.contains(&position)) else {
                return Some(position);
            };
            // Skip every position inside the hidden range at once.
            candidates = positions
                .get(..candidates)
                .map_or(0, |earlier| earlier.partition_point(|&p| p < range.start));
        }
        None
    }

    pub(super) fn lookup(&self, name: &str) -> Option<Binding<'q>> {
        let position = self.position(name)?;
        self.entries.get(position).map(|(_, binding)| *binding)
    }

    /// Hides the entries from `start` to the current end until [`Scope::unhide`].
    pub(super) fn hide_from(&mut self, start: usize) {
        self.hidden.push(start..self.entries.len());
    }

    /// Shows again the entries hidden by the last [`Scope::hide_from`].
    pub(super) fn unhide(&mut self) {
        self.hidden.pop();
    }
}
