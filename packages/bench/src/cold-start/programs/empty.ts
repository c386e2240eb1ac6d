// Nothing: what starting node costs.
export {}
