export default ["packages/client", "packages/testing", "packages/bench", "examples"]
