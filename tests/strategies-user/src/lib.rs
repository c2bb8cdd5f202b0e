//! A team's own flow and execution name validator, held to the CloudFlow contract with
//! the property-test strategies of `conformance`, as the crate docs of `conformance` show.

/// Whether `name` is a valid FlowName or ExecutionName, by this team's reading of the
/// documentation: 1 to 128 characters, a letter or underscore first, then letters,
/// digits, underscores and hyphens.
pub fn is_valid_name(name: &str) -> bool {
    let mut characters = name.chars();
    (1..=128).contains(&name.chars().count())
        && characters
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && characters.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

#[cfg(test)]
mod tests {
    use conformance::contract::Contract;
    use conformance::strategies;
    use proptest::prelude::*;

    use super::is_valid_name;

    proptest! {
        /// Every generated name, valid or not, gets the contract's verdict.
        #[test]
        fn names_are_judged_as_the_contract_judges_them(
            name in strategies::names(Contract::embedded())
        ) {
            let contract = Contract::embedded().names();
            prop_assert_eq!(
                is_valid_name(&name),
                contract.is_valid(&name),
                "{:?} breaks {:?}",
                name,
                contract.broken_rules(&name)
            );
        }
    }
}
