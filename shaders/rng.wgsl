// Counter-based random numbers (included by kernels that draw them). A value is a pure
// function of (seed, stream, counter, element): no state, so one seed always gives the same
// masks whatever the batching, and src/kernels/rng.ts computes the same bits on the CPU.
// mix32 is Chris Wellons' "lowbias32" integer hash.

fn mix32(x: u32) -> u32 {
  var h = x;
  h ^= h >> 16u;
  h *= 0x7feb352du;
  h ^= h >> 15u;
  h *= 0x846ca68bu;
  h ^= h >> 16u;
  return h;
}

fn hash4(a: u32, b: u32, c: u32, d: u32) -> u32 {
  var h = mix32(a + 0x9e3779b9u);
  h = mix32(h ^ (b + 0x85ebca6bu));
  h = mix32(h ^ (c + 0xc2b2ae35u));
  return mix32(h ^ (d + 0x27d4eb2fu));
}

// Uniform in [0, 1) with 24 bits.
fn unit_f32(h: u32) -> f32 {
  return f32(h >> 8u) * (1.0 / 16777216.0);
}
