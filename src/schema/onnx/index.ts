export { exportOnnx, ONNX_BATCH, ONNX_INPUT, ONNX_IR_VERSION, ONNX_OPSET, ONNX_OUTPUT } from "./export.js";
export { decodeModel, type ModelProto } from "./encode.js";
