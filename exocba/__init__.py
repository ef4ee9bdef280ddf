"""exo-cba's pure domain: facts, rules and text shared by the program, exoctl and the policy pack. Imports no Pulumi."""
