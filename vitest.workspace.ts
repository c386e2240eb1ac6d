export default ["packages/client", "packages/testing", "packages/cli", "packages/bench", "examples"]
