;; The element-wise loops of the fused LSTM kernels in WebAssembly SIMD, for the wasm backend.
;;
;; The module imports the wasm backend's own memory, so it works in place on the tensors there:
;; every pointer is a byte offset into that memory, every size a count of float32 elements. Rows
;; are laid out as in lstm-forward-kernel.ts and lstm-backward-kernel.ts: a gate row is [i | f | g | o],
;; each block `hidden` wide; state rows are `hidden` wide. Each loop runs four lanes at a time and
;; its last (hidden mod 4) elements one at a time through the same arithmetic (splat in, lane 0 out).
;;
;; The arithmetic is float32, each operation rounded as tfjs' own ops round it. tanh is
;; 1 - 2 / (e^2x + 1) on Cephes' expf (range reduction by ln 2, degree-6 polynomial), and below
;; |x| = 0.625, where that would cancel, tanh.ts's odd polynomial: within 1.5 ulp (simd.test.ts).
;; sigmoid is 1 / (1 + e^-|x|) on the same expf, mirrored for x < 0: within 2 ulp.
;;
;; The helpers ($tanh, $sigmoid, $cell, $grads) take and return vectors of four lanes. V8 does not inline
;; them, which costs a few cycles a call but keeps each formula written once.
;;
;; Built into lstm-simd-binary.ts by `npm run build:wasm`, which first writes tanh.ts's numbers where
;; this text says {tanh.c0}..{tanh.c6} (the polynomial's coefficients) and {tanh.limit} (0.625), each
;; splat to four lanes; CI's `npm run build:wasm -- --check` fails when the committed binary differs.
(module
  (import "env" "memory" (memory 0))

  ;; tanh(x), four lanes: below |x| = 0.625 the odd polynomial x P(x^2) of tanh.ts (its
  ;; coefficients), else sign(x) (1 - 2 / (e^2|x| + 1)), with 2|x| clamped at 18.2, where the float32
  ;; result is 1 anyway. e^u is Cephes' expf: u = n ln2 + r, |r| <= ln2 / 2, e^u = 2^n e^r. (One
  ;; function rather than three: V8 does not inline wasm calls, and this runs twice per hidden
  ;; unit and step, for g and for c.)
  (func $tanh (param $x v128) (result v128)
    (local $a v128) (local $u v128) (local $v v128) (local $n v128) (local $r v128) (local $p v128) (local $big v128)
    (local.set $a (f32x4.abs (local.get $x)))
    (local.set $u (f32x4.pmin (f32x4.add (local.get $a) (local.get $a)) (v128.const f32x4 18.2 18.2 18.2 18.2)))
    ;; u log2(e) + (1.5 2^23 + 127) rounds n = round(u log2 e) into the low mantissa bits with 127
    ;; added: shifted into the exponent field, those bits are 2^n.
    (local.set $v (f32x4.add (f32x4.mul (local.get $u) (v128.const f32x4 1.44269504 1.44269504 1.44269504 1.44269504)) (v128.const f32x4 12583039 12583039 12583039 12583039)))
    (local.set $n (f32x4.sub (local.get $v) (v128.const f32x4 12583039 12583039 12583039 12583039)))
    ;; ln 2 in two parts (Cephes' C1, C2), so that n ln2 is exact enough.
    (local.set $r (f32x4.sub (local.get $u) (f32x4.mul (local.get $n) (v128.const f32x4 0.693359375 0.693359375 0.693359375 0.693359375))))
    (local.set $r (f32x4.sub (local.get $r) (f32x4.mul (local.get $n) (v128.const f32x4 -2.12194440e-4 -2.12194440e-4 -2.12194440e-4 -2.12194440e-4))))
    (local.set $p (v128.const f32x4 1.9875691500e-4 1.9875691500e-4 1.9875691500e-4 1.9875691500e-4))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (v128.const f32x4 1.3981999507e-3 1.3981999507e-3 1.3981999507e-3 1.3981999507e-3)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (v128.const f32x4 8.3334519073e-3 8.3334519073e-3 8.3334519073e-3 8.3334519073e-3)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (v128.const f32x4 4.1665795894e-2 4.1665795894e-2 4.1665795894e-2 4.1665795894e-2)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (v128.const f32x4 1.6666665459e-1 1.6666665459e-1 1.6666665459e-1 1.6666665459e-1)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (v128.const f32x4 5.0000001201e-1 5.0000001201e-1 5.0000001201e-1 5.0000001201e-1)))
    ;; e^u = (1 + r + r^2 p) 2^n
    (local.set $p (f32x4.add
      (f32x4.add (f32x4.mul (f32x4.mul (local.get $p) (local.get $r)) (local.get $r)) (local.get $r))
      (v128.const f32x4 1 1 1 1)))
    (local.set $p (f32x4.mul (local.get $p) (i32x4.shl (local.get $v) (i32.const 23))))
    (local.set $big (f32x4.sub (v128.const f32x4 1 1 1 1) (f32x4.div (v128.const f32x4 2 2 2 2) (f32x4.add (v128.const f32x4 1 1 1 1) (local.get $p)))))
    ;; the sign bit from x, the rest from the result
    (local.set $big (v128.bitselect (local.get $x) (local.get $big) (v128.const i32x4 0x80000000 0x80000000 0x80000000 0x80000000)))
    ;; the polynomial, in x^2 (reusing u and p)
    (local.set $u (f32x4.mul (local.get $x) (local.get $x)))
    (local.set $p (v128.const f32x4 {tanh.c6}))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $u)) (v128.const f32x4 {tanh.c5})))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $u)) (v128.const f32x4 {tanh.c4})))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $u)) (v128.const f32x4 {tanh.c3})))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $u)) (v128.const f32x4 {tanh.c2})))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $u)) (v128.const f32x4 {tanh.c1})))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $u)) (v128.const f32x4 {tanh.c0})))
    (v128.bitselect (f32x4.mul (local.get $x) (local.get $p)) (local.get $big)
      (f32x4.lt (local.get $a) (v128.const f32x4 {tanh.limit}))))

  ;; e^u for u <= 0 (four lanes), u clamped at -87 (e^-87 = 1.6e-38, still a normal float32):
  ;; Cephes' expf as in $tanh, u = n ln2 + r, e^u = (1 + r + r^2 p(r)) 2^n, 2^n made in the exponent
  ;; field (n >= -126 after the clamp).
  (func $expNeg (param $u v128) (result v128)
    (local $v v128) (local $n v128) (local $r v128) (local $p v128)
    (local.set $u (f32x4.pmax (local.get $u) (v128.const f32x4 -87 -87 -87 -87)))
    (local.set $v (f32x4.add (f32x4.mul (local.get $u) (v128.const f32x4 1.44269504 1.44269504 1.44269504 1.44269504)) (v128.const f32x4 12583039 12583039 12583039 12583039)))
    (local.set $n (f32x4.sub (local.get $v) (v128.const f32x4 12583039 12583039 12583039 12583039)))
    (local.set $r (f32x4.sub (local.get $u) (f32x4.mul (local.get $n) (v128.const f32x4 0.693359375 0.693359375 0.693359375 0.693359375))))
    (local.set $r (f32x4.sub (local.get $r) (f32x4.mul (local.get $n) (v128.const f32x4 -2.12194440e-4 -2.12194440e-4 -2.12194440e-4 -2.12194440e-4))))
    (local.set $p (v128.const f32x4 1.9875691500e-4 1.9875691500e-4 1.9875691500e-4 1.9875691500e-4))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (v128.const f32x4 1.3981999507e-3 1.3981999507e-3 1.3981999507e-3 1.3981999507e-3)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (v128.const f32x4 8.3334519073e-3 8.3334519073e-3 8.3334519073e-3 8.3334519073e-3)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (v128.const f32x4 4.1665795894e-2 4.1665795894e-2 4.1665795894e-2 4.1665795894e-2)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (v128.const f32x4 1.6666665459e-1 1.6666665459e-1 1.6666665459e-1 1.6666665459e-1)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (v128.const f32x4 5.0000001201e-1 5.0000001201e-1 5.0000001201e-1 5.0000001201e-1)))
    (local.set $p (f32x4.add
      (f32x4.add (f32x4.mul (f32x4.mul (local.get $p) (local.get $r)) (local.get $r)) (local.get $r))
      (v128.const f32x4 1 1 1 1)))
    (f32x4.mul (local.get $p) (i32x4.shl (local.get $v) (i32.const 23))))

  ;; sigmoid(x), four lanes: with e = e^-|x|, 1 / (1 + e) for x >= 0 and e / (1 + e) below, so
  ;; that neither side cancels (within 2 ulp, simd.test.ts; below x = -87, e^-87 / (1 + e^-87)).
  (func $sigmoid (param $x v128) (result v128)
    (local $e v128) (local $d v128)
    (local.set $e (call $expNeg (f32x4.neg (f32x4.abs (local.get $x)))))
    (local.set $d (f32x4.div (v128.const f32x4 1 1 1 1) (f32x4.add (v128.const f32x4 1 1 1 1) (local.get $e))))
    (v128.bitselect (f32x4.mul (local.get $e) (local.get $d)) (local.get $d)
      (f32x4.lt (local.get $x) (v128.const f32x4 0 0 0 0))))

  ;; One gate block of `n` elements at $p, in place: tanh when $isTanh, else sigmoid.
  (func $activateBlock (param $p i32) (param $n i32) (param $isTanh i32)
    (local $end i32) (local $vecEnd i32) (local $x v128)
    (local.set $end (i32.add (local.get $p) (i32.shl (local.get $n) (i32.const 2))))
    (local.set $vecEnd (i32.add (local.get $p) (i32.and (i32.shl (local.get $n) (i32.const 2)) (i32.const -16))))
    (block $vecDone (loop $vec
      (br_if $vecDone (i32.ge_u (local.get $p) (local.get $vecEnd)))
      (local.set $x (v128.load (local.get $p)))
      (v128.store (local.get $p)
        (if (result v128) (local.get $isTanh) (then (call $tanh (local.get $x))) (else (call $sigmoid (local.get $x)))))
      (local.set $p (i32.add (local.get $p) (i32.const 16)))
      (br $vec)))
    (block $tailDone (loop $tail
      (br_if $tailDone (i32.ge_u (local.get $p) (local.get $end)))
      (local.set $x (v128.load32_splat (local.get $p)))
      (f32.store (local.get $p) (f32x4.extract_lane 0
        (if (result v128) (local.get $isTanh) (then (call $tanh (local.get $x))) (else (call $sigmoid (local.get $x))))))
      (local.set $p (i32.add (local.get $p) (i32.const 4)))
      (br $tail))))

  ;; n values at $p in place: tanh when $isTanh, else sigmoid (the GRU and RNN kernels' activations).
  (func (export "activate") (param $p i32) (param $n i32) (param $isTanh i32)
    (call $activateBlock (local.get $p) (local.get $n) (local.get $isTanh)))

  ;; ---- forward

  ;; The gate activations of z [rows, 4 hidden], in place: sigmoid for i, f and o, tanh for g.
  (func (export "gate_activations") (param $z i32) (param $rows i32) (param $hidden i32)
    (local $b i32) (local $k i32) (local $block i32)
    (local.set $block (i32.shl (local.get $hidden) (i32.const 2)))
    (block $rowsDone (loop $row
      (br_if $rowsDone (i32.ge_u (local.get $b) (local.get $rows)))
      (local.set $k (i32.const 0))
      (block $blocksDone (loop $blocks
        (br_if $blocksDone (i32.ge_u (local.get $k) (i32.const 4)))
        (call $activateBlock
          (i32.add (local.get $z) (i32.mul (i32.add (i32.shl (local.get $b) (i32.const 2)) (local.get $k)) (local.get $block)))
          (local.get $hidden)
          (i32.eq (local.get $k) (i32.const 2)))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $blocks)))
      (local.set $b (i32.add (local.get $b) (i32.const 1)))
      (br $row))))


  ;; One cell update: c' = f c + i g, tanh(c'), r = o tanh(c').
  (func $cell (param $i v128) (param $f v128) (param $g v128) (param $o v128) (param $c v128)
    (result v128 v128 v128)
    (local $cNew v128) (local $tanhC v128)
    (local.set $cNew (f32x4.add (f32x4.mul (local.get $f) (local.get $c)) (f32x4.mul (local.get $i) (local.get $g))))
    (local.set $tanhC (call $tanh (local.get $cNew)))
    (local.get $cNew) (local.get $tanhC) (f32x4.mul (local.get $o) (local.get $tanhC)))

  ;; From the activations a [rows, 4 hidden] and c [rows, hidden]: cNew = f c + i g,
  ;; tanhC = tanh(cNew), r = o tanhC (each [rows, hidden]).
  (func (export "cell_forward") (param $a i32) (param $c i32) (param $cNew i32) (param $tanhC i32) (param $r i32)
    (param $rows i32) (param $hidden i32)
    (local $h i32) (local $b i32) (local $j i32) (local $vecEnd i32) (local $pa i32) (local $ps i32)
    (local $outC v128) (local $outT v128) (local $outR v128)
    ;; h: one block's width in bytes; vecEnd: where the four-lane part of a block ends.
    (local.set $h (i32.shl (local.get $hidden) (i32.const 2)))
    (local.set $vecEnd (i32.and (local.get $h) (i32.const -16)))
    (block $rowsDone (loop $row
      (br_if $rowsDone (i32.ge_u (local.get $b) (local.get $rows)))
      (local.set $j (i32.const 0))
      (block $vecDone (loop $vec
        (br_if $vecDone (i32.ge_u (local.get $j) (local.get $vecEnd)))
        (local.set $pa (i32.add (i32.add (local.get $a) (i32.shl (i32.mul (local.get $b) (local.get $h)) (i32.const 2))) (local.get $j)))
        (local.set $ps (i32.add (i32.mul (local.get $b) (local.get $h)) (local.get $j)))
        (call $cell
          (v128.load (local.get $pa))
          (v128.load (i32.add (local.get $pa) (local.get $h)))
          (v128.load (i32.add (local.get $pa) (i32.shl (local.get $h) (i32.const 1))))
          (v128.load (i32.add (local.get $pa) (i32.mul (local.get $h) (i32.const 3))))
          (v128.load (i32.add (local.get $c) (local.get $ps))))
        (local.set $outR) (local.set $outT) (local.set $outC)
        (v128.store (i32.add (local.get $cNew) (local.get $ps)) (local.get $outC))
        (v128.store (i32.add (local.get $tanhC) (local.get $ps)) (local.get $outT))
        (v128.store (i32.add (local.get $r) (local.get $ps)) (local.get $outR))
        (local.set $j (i32.add (local.get $j) (i32.const 16)))
        (br $vec)))
      (block $tailDone (loop $tail
        (br_if $tailDone (i32.ge_u (local.get $j) (local.get $h)))
        (local.set $pa (i32.add (i32.add (local.get $a) (i32.shl (i32.mul (local.get $b) (local.get $h)) (i32.const 2))) (local.get $j)))
        (local.set $ps (i32.add (i32.mul (local.get $b) (local.get $h)) (local.get $j)))
        (call $cell
          (v128.load32_splat (local.get $pa))
          (v128.load32_splat (i32.add (local.get $pa) (local.get $h)))
          (v128.load32_splat (i32.add (local.get $pa) (i32.shl (local.get $h) (i32.const 1))))
          (v128.load32_splat (i32.add (local.get $pa) (i32.mul (local.get $h) (i32.const 3))))
          (v128.load32_splat (i32.add (local.get $c) (local.get $ps))))
        (local.set $outR) (local.set $outT) (local.set $outC)
        (f32.store (i32.add (local.get $cNew) (local.get $ps)) (f32x4.extract_lane 0 (local.get $outC)))
        (f32.store (i32.add (local.get $tanhC) (local.get $ps)) (f32x4.extract_lane 0 (local.get $outT)))
        (f32.store (i32.add (local.get $r) (local.get $ps)) (f32x4.extract_lane 0 (local.get $outR)))
        (local.set $j (i32.add (local.get $j) (i32.const 4)))
        (br $tail)))
      (local.set $b (i32.add (local.get $b) (i32.const 1)))
      (br $row))))

  ;; ---- backward (names as in docs/bptt.md and lstm-backward-kernel.ts)

  ;; One step's gate gradients from the activations (i, f, g, o), c_{t-1}, tanh(c_t),
  ;; dr = dL/dr_t and dc = dL/dc_t carried from step t+1: dZ = (dz_i, dz_f, dz_g, dz_o),
  ;; dc_{t-1} = dc_t f and dc_t itself.
  (func $grads (param $i v128) (param $f v128) (param $g v128) (param $o v128) (param $cPrev v128)
    (param $tanhC v128) (param $dr v128) (param $dc v128)
    (result v128 v128 v128 v128 v128 v128)
    (local $dcNew v128)
    (local $one v128)
    (local.set $one (v128.const f32x4 1 1 1 1))
    ;; r = o tanh(c): c gets this step's share on top of what came back from c_{t+1}.
    (local.set $dcNew (f32x4.add (local.get $dc)
      (f32x4.mul (f32x4.mul (local.get $dr) (local.get $o))
        (f32x4.sub (local.get $one) (f32x4.mul (local.get $tanhC) (local.get $tanhC))))))
    ;; c = f c_{t-1} + i g, then sigmoid' = s (1 - s), tanh' = 1 - tanh^2.
    (f32x4.mul (f32x4.mul (f32x4.mul (local.get $dcNew) (local.get $g)) (local.get $i)) (f32x4.sub (local.get $one) (local.get $i)))
    (f32x4.mul (f32x4.mul (f32x4.mul (local.get $dcNew) (local.get $cPrev)) (local.get $f)) (f32x4.sub (local.get $one) (local.get $f)))
    (f32x4.mul (f32x4.mul (local.get $dcNew) (local.get $i)) (f32x4.sub (local.get $one) (f32x4.mul (local.get $g) (local.get $g))))
    (f32x4.mul (f32x4.mul (f32x4.mul (local.get $dr) (local.get $tanhC)) (local.get $o)) (f32x4.sub (local.get $one) (local.get $o)))
    ;; the additive cell path
    (f32x4.mul (local.get $dcNew) (local.get $f))
    (local.get $dcNew))

  ;; For `rows` rows: a [rows, 4 hidden] activations; cPrev, tanhC, dr, dc [rows, hidden]. Writes
  ;; dZ [rows, 4 hidden] and dcPrev [rows, hidden]; returns the sum of squares of dL/dc_t.
  (func (export "gate_grads") (param $a i32) (param $cPrev i32) (param $tanhC i32) (param $dr i32) (param $dc i32)
    (param $dZ i32) (param $dcPrev i32) (param $rows i32) (param $hidden i32) (result f64)
    (local $h i32) (local $b i32) (local $j i32) (local $vecEnd i32) (local $pa i32) (local $pz i32) (local $ps i32)
    (local $zi v128) (local $zf v128) (local $zg v128) (local $zo v128) (local $dcp v128) (local $dcNew v128)
    (local $norm v128) (local $tailNorm f64)
    (local.set $h (i32.shl (local.get $hidden) (i32.const 2)))
    (local.set $vecEnd (i32.and (local.get $h) (i32.const -16)))
    (block $rowsDone (loop $row
      (br_if $rowsDone (i32.ge_u (local.get $b) (local.get $rows)))
      (local.set $j (i32.const 0))
      (block $vecDone (loop $vec
        (br_if $vecDone (i32.ge_u (local.get $j) (local.get $vecEnd)))
        (local.set $pa (i32.add (i32.add (local.get $a) (i32.shl (i32.mul (local.get $b) (local.get $h)) (i32.const 2))) (local.get $j)))
        (local.set $pz (i32.add (i32.add (local.get $dZ) (i32.shl (i32.mul (local.get $b) (local.get $h)) (i32.const 2))) (local.get $j)))
        (local.set $ps (i32.add (i32.mul (local.get $b) (local.get $h)) (local.get $j)))
        (call $grads
          (v128.load (local.get $pa))
          (v128.load (i32.add (local.get $pa) (local.get $h)))
          (v128.load (i32.add (local.get $pa) (i32.shl (local.get $h) (i32.const 1))))
          (v128.load (i32.add (local.get $pa) (i32.mul (local.get $h) (i32.const 3))))
          (v128.load (i32.add (local.get $cPrev) (local.get $ps)))
          (v128.load (i32.add (local.get $tanhC) (local.get $ps)))
          (v128.load (i32.add (local.get $dr) (local.get $ps)))
          (v128.load (i32.add (local.get $dc) (local.get $ps))))
        (local.set $dcNew) (local.set $dcp) (local.set $zo) (local.set $zg) (local.set $zf) (local.set $zi)
        (v128.store (local.get $pz) (local.get $zi))
        (v128.store (i32.add (local.get $pz) (local.get $h)) (local.get $zf))
        (v128.store (i32.add (local.get $pz) (i32.shl (local.get $h) (i32.const 1))) (local.get $zg))
        (v128.store (i32.add (local.get $pz) (i32.mul (local.get $h) (i32.const 3))) (local.get $zo))
        (v128.store (i32.add (local.get $dcPrev) (local.get $ps)) (local.get $dcp))
        ;; the norm in float64: lanes 0, 1 and then 2, 3
        (local.set $norm (f64x2.add (local.get $norm)
          (f64x2.add
            (f64x2.mul (f64x2.promote_low_f32x4 (local.get $dcNew)) (f64x2.promote_low_f32x4 (local.get $dcNew)))
            (f64x2.mul
              (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $dcNew) (local.get $dcNew)))
              (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $dcNew) (local.get $dcNew)))))))
        (local.set $j (i32.add (local.get $j) (i32.const 16)))
        (br $vec)))
      (block $tailDone (loop $tail
        (br_if $tailDone (i32.ge_u (local.get $j) (local.get $h)))
        (local.set $pa (i32.add (i32.add (local.get $a) (i32.shl (i32.mul (local.get $b) (local.get $h)) (i32.const 2))) (local.get $j)))
        (local.set $pz (i32.add (i32.add (local.get $dZ) (i32.shl (i32.mul (local.get $b) (local.get $h)) (i32.const 2))) (local.get $j)))
        (local.set $ps (i32.add (i32.mul (local.get $b) (local.get $h)) (local.get $j)))
        (call $grads
          (v128.load32_splat (local.get $pa))
          (v128.load32_splat (i32.add (local.get $pa) (local.get $h)))
          (v128.load32_splat (i32.add (local.get $pa) (i32.shl (local.get $h) (i32.const 1))))
          (v128.load32_splat (i32.add (local.get $pa) (i32.mul (local.get $h) (i32.const 3))))
          (v128.load32_splat (i32.add (local.get $cPrev) (local.get $ps)))
          (v128.load32_splat (i32.add (local.get $tanhC) (local.get $ps)))
          (v128.load32_splat (i32.add (local.get $dr) (local.get $ps)))
          (v128.load32_splat (i32.add (local.get $dc) (local.get $ps))))
        (local.set $dcNew) (local.set $dcp) (local.set $zo) (local.set $zg) (local.set $zf) (local.set $zi)
        (f32.store (local.get $pz) (f32x4.extract_lane 0 (local.get $zi)))
        (f32.store (i32.add (local.get $pz) (local.get $h)) (f32x4.extract_lane 0 (local.get $zf)))
        (f32.store (i32.add (local.get $pz) (i32.shl (local.get $h) (i32.const 1))) (f32x4.extract_lane 0 (local.get $zg)))
        (f32.store (i32.add (local.get $pz) (i32.mul (local.get $h) (i32.const 3))) (f32x4.extract_lane 0 (local.get $zo)))
        (f32.store (i32.add (local.get $dcPrev) (local.get $ps)) (f32x4.extract_lane 0 (local.get $dcp)))
        (local.set $tailNorm (f64.add (local.get $tailNorm)
          (f64.mul (f64.promote_f32 (f32x4.extract_lane 0 (local.get $dcNew))) (f64.promote_f32 (f32x4.extract_lane 0 (local.get $dcNew))))))
        (local.set $j (i32.add (local.get $j) (i32.const 4)))
        (br $tail)))
      (local.set $b (i32.add (local.get $b) (i32.const 1)))
      (br $row)))
    (f64.add (local.get $tailNorm)
      (f64.add (f64x2.extract_lane 0 (local.get $norm)) (f64x2.extract_lane 1 (local.get $norm)))))

  ;; ---- GRU (names as in docs/bptt.md, section 10, and gru-kernel.ts)

  ;; One GRU update from the input's pre-activations (xr, xz, xn), the recurrent ones (hr, hz,
  ;; hn: h W_hh^T + b_hh) and h_{t-1}: r, z, n and h' = (h - n) z + n.
  (func $gruCell (param $xr v128) (param $xz v128) (param $xn v128) (param $hr v128) (param $hz v128)
    (param $hn v128) (param $hp v128) (result v128 v128 v128 v128)
    (local $r v128) (local $z v128) (local $n v128)
    (local.set $r (call $sigmoid (f32x4.add (local.get $xr) (local.get $hr))))
    (local.set $z (call $sigmoid (f32x4.add (local.get $xz) (local.get $hz))))
    (local.set $n (call $tanh (f32x4.add (local.get $xn) (f32x4.mul (local.get $r) (local.get $hn)))))
    (local.get $r) (local.get $z) (local.get $n)
    (f32x4.add (f32x4.mul (f32x4.sub (local.get $hp) (local.get $n)) (local.get $z)) (local.get $n)))

  ;; One GRU step for `rows` rows: xz [rows, 3 hidden] (the step's rows of x W_ih^T + b_ih), hz
  ;; [rows, 3 hidden] (h W_hh^T + b_hh); h [rows, hidden] becomes h', also written to out. With
  ;; cache (not 0), the step's cache rows [rows, 4 hidden] get r, z, n, hn and hPrev gets h_{t-1}.
  (func (export "gru_forward") (param $xz i32) (param $hz i32) (param $h i32) (param $out i32) (param $cache i32)
    (param $hPrev i32) (param $rows i32) (param $hidden i32)
    (local $hb i32) (local $b i32) (local $j i32) (local $vecEnd i32) (local $px i32) (local $ph i32) (local $ps i32)
    (local $pc i32) (local $hn v128) (local $hp v128) (local $r v128) (local $z v128) (local $n v128) (local $hNew v128)
    (local.set $hb (i32.shl (local.get $hidden) (i32.const 2)))
    (local.set $vecEnd (i32.and (local.get $hb) (i32.const -16)))
    (block $rowsDone (loop $row
      (br_if $rowsDone (i32.ge_u (local.get $b) (local.get $rows)))
      (local.set $j (i32.const 0))
      (block $vecDone (loop $vec
        (br_if $vecDone (i32.ge_u (local.get $j) (local.get $vecEnd)))
        (local.set $px (i32.add (i32.add (local.get $xz) (i32.mul (i32.mul (local.get $b) (local.get $hb)) (i32.const 3))) (local.get $j)))
        (local.set $ph (i32.add (i32.add (local.get $hz) (i32.mul (i32.mul (local.get $b) (local.get $hb)) (i32.const 3))) (local.get $j)))
        (local.set $ps (i32.add (i32.mul (local.get $b) (local.get $hb)) (local.get $j)))
        (local.set $hn (v128.load (i32.add (local.get $ph) (i32.shl (local.get $hb) (i32.const 1)))))
        (local.set $hp (v128.load (i32.add (local.get $h) (local.get $ps))))
        (call $gruCell
          (v128.load (local.get $px))
          (v128.load (i32.add (local.get $px) (local.get $hb)))
          (v128.load (i32.add (local.get $px) (i32.shl (local.get $hb) (i32.const 1))))
          (v128.load (local.get $ph))
          (v128.load (i32.add (local.get $ph) (local.get $hb)))
          (local.get $hn) (local.get $hp))
        (local.set $hNew) (local.set $n) (local.set $z) (local.set $r)
        (v128.store (i32.add (local.get $h) (local.get $ps)) (local.get $hNew))
        (v128.store (i32.add (local.get $out) (local.get $ps)) (local.get $hNew))
        (if (local.get $cache) (then
          (local.set $pc (i32.add (i32.add (local.get $cache) (i32.shl (i32.mul (local.get $b) (local.get $hb)) (i32.const 2))) (local.get $j)))
          (v128.store (local.get $pc) (local.get $r))
          (v128.store (i32.add (local.get $pc) (local.get $hb)) (local.get $z))
          (v128.store (i32.add (local.get $pc) (i32.shl (local.get $hb) (i32.const 1))) (local.get $n))
          (v128.store (i32.add (local.get $pc) (i32.mul (local.get $hb) (i32.const 3))) (local.get $hn))
          (v128.store (i32.add (local.get $hPrev) (local.get $ps)) (local.get $hp))))
        (local.set $j (i32.add (local.get $j) (i32.const 16)))
        (br $vec)))
      (block $tailDone (loop $tail
        (br_if $tailDone (i32.ge_u (local.get $j) (local.get $hb)))
        (local.set $px (i32.add (i32.add (local.get $xz) (i32.mul (i32.mul (local.get $b) (local.get $hb)) (i32.const 3))) (local.get $j)))
        (local.set $ph (i32.add (i32.add (local.get $hz) (i32.mul (i32.mul (local.get $b) (local.get $hb)) (i32.const 3))) (local.get $j)))
        (local.set $ps (i32.add (i32.mul (local.get $b) (local.get $hb)) (local.get $j)))
        (local.set $hn (v128.load32_splat (i32.add (local.get $ph) (i32.shl (local.get $hb) (i32.const 1)))))
        (local.set $hp (v128.load32_splat (i32.add (local.get $h) (local.get $ps))))
        (call $gruCell
          (v128.load32_splat (local.get $px))
          (v128.load32_splat (i32.add (local.get $px) (local.get $hb)))
          (v128.load32_splat (i32.add (local.get $px) (i32.shl (local.get $hb) (i32.const 1))))
          (v128.load32_splat (local.get $ph))
          (v128.load32_splat (i32.add (local.get $ph) (local.get $hb)))
          (local.get $hn) (local.get $hp))
        (local.set $hNew) (local.set $n) (local.set $z) (local.set $r)
        (f32.store (i32.add (local.get $h) (local.get $ps)) (f32x4.extract_lane 0 (local.get $hNew)))
        (f32.store (i32.add (local.get $out) (local.get $ps)) (f32x4.extract_lane 0 (local.get $hNew)))
        (if (local.get $cache) (then
          (local.set $pc (i32.add (i32.add (local.get $cache) (i32.shl (i32.mul (local.get $b) (local.get $hb)) (i32.const 2))) (local.get $j)))
          (f32.store (local.get $pc) (f32x4.extract_lane 0 (local.get $r)))
          (f32.store (i32.add (local.get $pc) (local.get $hb)) (f32x4.extract_lane 0 (local.get $z)))
          (f32.store (i32.add (local.get $pc) (i32.shl (local.get $hb) (i32.const 1))) (f32x4.extract_lane 0 (local.get $n)))
          (f32.store (i32.add (local.get $pc) (i32.mul (local.get $hb) (i32.const 3))) (f32x4.extract_lane 0 (local.get $hn)))
          (f32.store (i32.add (local.get $hPrev) (local.get $ps)) (f32x4.extract_lane 0 (local.get $hp)))))
        (local.set $j (i32.add (local.get $j) (i32.const 4)))
        (br $tail)))
      (local.set $b (i32.add (local.get $b) (i32.const 1)))
      (br $row))))

  ;; One GRU step back from dhNew = dL/dh_t and the step's cache (r, z, n, hn) and h_{t-1}: the
  ;; pre-activations' gradients dAr, dAz, dAn, dHn (= dAn r) and dhDirect = dhNew z.
  (func $gruGrads (param $dhNew v128) (param $r v128) (param $z v128) (param $n v128) (param $hn v128)
    (param $hp v128) (result v128 v128 v128 v128 v128)
    (local $one v128) (local $dAn v128)
    (local.set $one (v128.const f32x4 1 1 1 1))
    ;; h' = (1 - z) n + z h; n = tanh(xn + r hn).
    (local.set $dAn (f32x4.mul (f32x4.mul (local.get $dhNew) (f32x4.sub (local.get $one) (local.get $z)))
      (f32x4.sub (local.get $one) (f32x4.mul (local.get $n) (local.get $n)))))
    (f32x4.mul (f32x4.mul (f32x4.mul (local.get $dAn) (local.get $hn)) (local.get $r)) (f32x4.sub (local.get $one) (local.get $r)))
    (f32x4.mul (f32x4.mul (f32x4.mul (local.get $dhNew) (f32x4.sub (local.get $hp) (local.get $n))) (local.get $z))
      (f32x4.sub (local.get $one) (local.get $z)))
    (local.get $dAn)
    (f32x4.mul (local.get $dAn) (local.get $r))
    (f32x4.mul (local.get $dhNew) (local.get $z)))

  ;; One GRU backward step for `rows` rows, all of which have the step: dOut, dh, hPrev
  ;; [rows, hidden] and cache [rows, 4 hidden] are the step's rows. Writes dXZ and dHZ (the step's
  ;; rows, [rows, 3 hidden]), dHZt (the same as dHZ, the recurrent product's input) and dhDirect
  ;; [rows, hidden]; adds the rows of dXZ and dHZ to dBiasIh and dBiasHh ([3 hidden]).
  (func (export "gru_grads") (param $dOut i32) (param $dh i32) (param $cache i32) (param $hPrev i32) (param $dHZt i32)
    (param $dhDirect i32) (param $dXZ i32) (param $dHZ i32) (param $dBiasIh i32) (param $dBiasHh i32)
    (param $rows i32) (param $hidden i32)
    (local $hb i32) (local $b i32) (local $j i32) (local $vecEnd i32) (local $ps i32) (local $pc i32) (local $pg i32)
    (local $dAr v128) (local $dAz v128) (local $dAn v128) (local $dHn v128) (local $dd v128)
    (local.set $hb (i32.shl (local.get $hidden) (i32.const 2)))
    (local.set $vecEnd (i32.and (local.get $hb) (i32.const -16)))
    (block $rowsDone (loop $row
      (br_if $rowsDone (i32.ge_u (local.get $b) (local.get $rows)))
      (local.set $j (i32.const 0))
      (block $vecDone (loop $vec
        (br_if $vecDone (i32.ge_u (local.get $j) (local.get $vecEnd)))
        (local.set $ps (i32.add (i32.mul (local.get $b) (local.get $hb)) (local.get $j)))
        (local.set $pc (i32.add (i32.add (local.get $cache) (i32.shl (i32.mul (local.get $b) (local.get $hb)) (i32.const 2))) (local.get $j)))
        (local.set $pg (i32.add (i32.mul (i32.mul (local.get $b) (local.get $hb)) (i32.const 3)) (local.get $j)))
        (call $gruGrads
          (f32x4.add (v128.load (i32.add (local.get $dOut) (local.get $ps))) (v128.load (i32.add (local.get $dh) (local.get $ps))))
          (v128.load (local.get $pc))
          (v128.load (i32.add (local.get $pc) (local.get $hb)))
          (v128.load (i32.add (local.get $pc) (i32.shl (local.get $hb) (i32.const 1))))
          (v128.load (i32.add (local.get $pc) (i32.mul (local.get $hb) (i32.const 3))))
          (v128.load (i32.add (local.get $hPrev) (local.get $ps))))
        (local.set $dd) (local.set $dHn) (local.set $dAn) (local.set $dAz) (local.set $dAr)
        (v128.store (i32.add (local.get $dhDirect) (local.get $ps)) (local.get $dd))
        (call $gruStore (i32.add (local.get $dXZ) (local.get $pg)) (local.get $hb) (local.get $dAr) (local.get $dAz) (local.get $dAn))
        (call $gruStore (i32.add (local.get $dHZ) (local.get $pg)) (local.get $hb) (local.get $dAr) (local.get $dAz) (local.get $dHn))
        (call $gruStore (i32.add (local.get $dHZt) (local.get $pg)) (local.get $hb) (local.get $dAr) (local.get $dAz) (local.get $dHn))
        (call $gruAdd (i32.add (local.get $dBiasIh) (local.get $j)) (local.get $hb) (local.get $dAr) (local.get $dAz) (local.get $dAn))
        (call $gruAdd (i32.add (local.get $dBiasHh) (local.get $j)) (local.get $hb) (local.get $dAr) (local.get $dAz) (local.get $dHn))
        (local.set $j (i32.add (local.get $j) (i32.const 16)))
        (br $vec)))
      (block $tailDone (loop $tail
        (br_if $tailDone (i32.ge_u (local.get $j) (local.get $hb)))
        (local.set $ps (i32.add (i32.mul (local.get $b) (local.get $hb)) (local.get $j)))
        (local.set $pc (i32.add (i32.add (local.get $cache) (i32.shl (i32.mul (local.get $b) (local.get $hb)) (i32.const 2))) (local.get $j)))
        (local.set $pg (i32.add (i32.mul (i32.mul (local.get $b) (local.get $hb)) (i32.const 3)) (local.get $j)))
        (call $gruGrads
          (f32x4.add (v128.load32_splat (i32.add (local.get $dOut) (local.get $ps))) (v128.load32_splat (i32.add (local.get $dh) (local.get $ps))))
          (v128.load32_splat (local.get $pc))
          (v128.load32_splat (i32.add (local.get $pc) (local.get $hb)))
          (v128.load32_splat (i32.add (local.get $pc) (i32.shl (local.get $hb) (i32.const 1))))
          (v128.load32_splat (i32.add (local.get $pc) (i32.mul (local.get $hb) (i32.const 3))))
          (v128.load32_splat (i32.add (local.get $hPrev) (local.get $ps))))
        (local.set $dd) (local.set $dHn) (local.set $dAn) (local.set $dAz) (local.set $dAr)
        (f32.store (i32.add (local.get $dhDirect) (local.get $ps)) (f32x4.extract_lane 0 (local.get $dd)))
        (call $gruStore1 (i32.add (local.get $dXZ) (local.get $pg)) (local.get $hb) (local.get $dAr) (local.get $dAz) (local.get $dAn))
        (call $gruStore1 (i32.add (local.get $dHZ) (local.get $pg)) (local.get $hb) (local.get $dAr) (local.get $dAz) (local.get $dHn))
        (call $gruStore1 (i32.add (local.get $dHZt) (local.get $pg)) (local.get $hb) (local.get $dAr) (local.get $dAz) (local.get $dHn))
        (call $gruAdd1 (i32.add (local.get $dBiasIh) (local.get $j)) (local.get $hb) (local.get $dAr) (local.get $dAz) (local.get $dAn))
        (call $gruAdd1 (i32.add (local.get $dBiasHh) (local.get $j)) (local.get $hb) (local.get $dAr) (local.get $dAz) (local.get $dHn))
        (local.set $j (i32.add (local.get $j) (i32.const 4)))
        (br $tail)))
      (local.set $b (i32.add (local.get $b) (i32.const 1)))
      (br $row))))

  ;; Three gate blocks (hb bytes apart) at p: a, b, c, four lanes (gruStore1: lane 0 only); gruAdd
  ;; and gruAdd1 add them instead.
  (func $gruStore (param $p i32) (param $hb i32) (param $a v128) (param $b v128) (param $c v128)
    (v128.store (local.get $p) (local.get $a))
    (v128.store (i32.add (local.get $p) (local.get $hb)) (local.get $b))
    (v128.store (i32.add (local.get $p) (i32.shl (local.get $hb) (i32.const 1))) (local.get $c)))
  (func $gruStore1 (param $p i32) (param $hb i32) (param $a v128) (param $b v128) (param $c v128)
    (f32.store (local.get $p) (f32x4.extract_lane 0 (local.get $a)))
    (f32.store (i32.add (local.get $p) (local.get $hb)) (f32x4.extract_lane 0 (local.get $b)))
    (f32.store (i32.add (local.get $p) (i32.shl (local.get $hb) (i32.const 1))) (f32x4.extract_lane 0 (local.get $c))))
  (func $gruAdd (param $p i32) (param $hb i32) (param $a v128) (param $b v128) (param $c v128)
    (call $gruStore (local.get $p) (local.get $hb)
      (f32x4.add (v128.load (local.get $p)) (local.get $a))
      (f32x4.add (v128.load (i32.add (local.get $p) (local.get $hb))) (local.get $b))
      (f32x4.add (v128.load (i32.add (local.get $p) (i32.shl (local.get $hb) (i32.const 1)))) (local.get $c))))
  (func $gruAdd1 (param $p i32) (param $hb i32) (param $a v128) (param $b v128) (param $c v128)
    (call $gruStore1 (local.get $p) (local.get $hb)
      (f32x4.add (v128.load32_splat (local.get $p)) (local.get $a))
      (f32x4.add (v128.load32_splat (i32.add (local.get $p) (local.get $hb))) (local.get $b))
      (f32x4.add (v128.load32_splat (i32.add (local.get $p) (i32.shl (local.get $hb) (i32.const 1)))) (local.get $c))))

  ;; out = x + y over n elements; returns the sum of squares of out (float64).
  (func (export "add_norm") (param $x i32) (param $y i32) (param $out i32) (param $n i32) (result f64)
    (local $k i32) (local $end i32) (local $vecEnd i32) (local $v v128) (local $s f32) (local $norm v128) (local $tailNorm f64)
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (local.set $vecEnd (i32.and (local.get $end) (i32.const -16)))
    (block $vecDone (loop $vec
      (br_if $vecDone (i32.ge_u (local.get $k) (local.get $vecEnd)))
      (local.set $v (f32x4.add (v128.load (i32.add (local.get $x) (local.get $k))) (v128.load (i32.add (local.get $y) (local.get $k)))))
      (v128.store (i32.add (local.get $out) (local.get $k)) (local.get $v))
      (local.set $norm (f64x2.add (local.get $norm)
        (f64x2.add
          (f64x2.mul (f64x2.promote_low_f32x4 (local.get $v)) (f64x2.promote_low_f32x4 (local.get $v)))
          (f64x2.mul
            (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $v) (local.get $v)))
            (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $v) (local.get $v)))))))
      (local.set $k (i32.add (local.get $k) (i32.const 16)))
      (br $vec)))
    (block $tailDone (loop $tail
      (br_if $tailDone (i32.ge_u (local.get $k) (local.get $end)))
      (local.set $s (f32.add (f32.load (i32.add (local.get $x) (local.get $k))) (f32.load (i32.add (local.get $y) (local.get $k)))))
      (f32.store (i32.add (local.get $out) (local.get $k)) (local.get $s))
      (local.set $tailNorm (f64.add (local.get $tailNorm) (f64.mul (f64.promote_f32 (local.get $s)) (f64.promote_f32 (local.get $s)))))
      (local.set $k (i32.add (local.get $k) (i32.const 4)))
      (br $tail)))
    (f64.add (local.get $tailNorm)
      (f64.add (f64x2.extract_lane 0 (local.get $norm)) (f64x2.extract_lane 1 (local.get $norm)))))

  ;; sums [rows] (float64) = the sum of each row of x [rows, n] (float32).
  (func (export "row_sums_f64") (param $x i32) (param $rows i32) (param $n i32) (param $sums i32)
    (local $b i32) (local $k i32) (local $row i32) (local $end i32) (local $vecEnd i32) (local $v v128)
    (local $acc v128) (local $tail f64)
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (local.set $vecEnd (i32.and (local.get $end) (i32.const -16)))
    (block $rowsDone (loop $rowLoop
      (br_if $rowsDone (i32.ge_u (local.get $b) (local.get $rows)))
      (local.set $row (i32.add (local.get $x) (i32.mul (local.get $b) (local.get $end))))
      (local.set $acc (v128.const f64x2 0 0))
      (local.set $tail (f64.const 0))
      (local.set $k (i32.const 0))
      (block $vecDone (loop $vec
        (br_if $vecDone (i32.ge_u (local.get $k) (local.get $vecEnd)))
        (local.set $v (v128.load (i32.add (local.get $row) (local.get $k))))
        (local.set $acc (f64x2.add (local.get $acc)
          (f64x2.add (f64x2.promote_low_f32x4 (local.get $v))
            (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $v) (local.get $v))))))
        (local.set $k (i32.add (local.get $k) (i32.const 16)))
        (br $vec)))
      (block $tailDone (loop $tailLoop
        (br_if $tailDone (i32.ge_u (local.get $k) (local.get $end)))
        (local.set $tail (f64.add (local.get $tail) (f64.promote_f32 (f32.load (i32.add (local.get $row) (local.get $k))))))
        (local.set $k (i32.add (local.get $k) (i32.const 4)))
        (br $tailLoop)))
      (f64.store (i32.add (local.get $sums) (i32.shl (local.get $b) (i32.const 3)))
        (f64.add (local.get $tail)
          (f64.add (f64x2.extract_lane 0 (local.get $acc)) (f64x2.extract_lane 1 (local.get $acc)))))
      (local.set $b (i32.add (local.get $b) (i32.const 1)))
      (br $rowLoop))))

  ;; dst[q dstStride + r] = src[r cols + q] for the rows x cols matrix src: src transposed into
  ;; `rows` columns of dst, whose rows are dstStride elements apart. In blocks of 4 x 4 (four
  ;; loads, eight shuffles, four stores) while whole blocks remain, then element by element.
  (func (export "transpose_into") (param $src i32) (param $rows i32) (param $cols i32) (param $dst i32) (param $dstStride i32)
    (local $r i32) (local $q i32) (local $rowBytes i32) (local $dstBytes i32) (local $blockRows i32) (local $blockCols i32)
    (local $from i32) (local $to i32)
    (local $a v128) (local $b v128) (local $c v128) (local $d v128) (local $ab v128) (local $cd v128)
    (local.set $rowBytes (i32.shl (local.get $cols) (i32.const 2)))
    (local.set $dstBytes (i32.shl (local.get $dstStride) (i32.const 2)))
    (local.set $blockRows (i32.and (local.get $rows) (i32.const -4)))
    (local.set $blockCols (i32.and (local.get $cols) (i32.const -4)))
    (block $blocksDone (loop $blockRow
      (br_if $blocksDone (i32.ge_u (local.get $r) (local.get $blockRows)))
      (local.set $q (i32.const 0))
      (block $rowDone (loop $block
        (br_if $rowDone (i32.ge_u (local.get $q) (local.get $blockCols)))
        ;; rows r .. r+3, columns q .. q+3 of src
        (local.set $from (i32.add (local.get $src)
          (i32.add (i32.mul (local.get $r) (local.get $rowBytes)) (i32.shl (local.get $q) (i32.const 2)))))
        (local.set $a (v128.load (local.get $from)))
        (local.set $b (v128.load (i32.add (local.get $from) (local.get $rowBytes))))
        (local.set $c (v128.load (i32.add (local.get $from) (i32.shl (local.get $rowBytes) (i32.const 1)))))
        (local.set $d (v128.load (i32.add (local.get $from) (i32.mul (local.get $rowBytes) (i32.const 3)))))
        ;; into rows q .. q+3, columns r .. r+3 of dst
        (local.set $to (i32.add (local.get $dst)
          (i32.add (i32.mul (local.get $q) (local.get $dstBytes)) (i32.shl (local.get $r) (i32.const 2)))))
        ;; ab = a0 b0 a1 b1, cd = c0 d0 c1 d1: their halves are columns 0 and 1
        (local.set $ab (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $a) (local.get $b)))
        (local.set $cd (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $c) (local.get $d)))
        (v128.store (local.get $to) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $ab) (local.get $cd)))
        (v128.store (i32.add (local.get $to) (local.get $dstBytes))
          (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $ab) (local.get $cd)))
        ;; ab = a2 b2 a3 b3, cd = c2 d2 c3 d3: columns 2 and 3
        (local.set $ab (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $a) (local.get $b)))
        (local.set $cd (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $c) (local.get $d)))
        (v128.store (i32.add (local.get $to) (i32.shl (local.get $dstBytes) (i32.const 1)))
          (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $ab) (local.get $cd)))
        (v128.store (i32.add (local.get $to) (i32.mul (local.get $dstBytes) (i32.const 3)))
          (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $ab) (local.get $cd)))
        (local.set $q (i32.add (local.get $q) (i32.const 4)))
        (br $block)))
      (local.set $r (i32.add (local.get $r) (i32.const 4)))
      (br $blockRow)))
    ;; what the blocks left: the last (cols mod 4) columns of the block rows, then the last
    ;; (rows mod 4) rows whole
    (call $transpose_scalar (local.get $src) (i32.const 0) (local.get $blockRows) (local.get $blockCols) (local.get $cols)
      (local.get $dst) (local.get $dstStride))
    (call $transpose_scalar (local.get $src) (local.get $blockRows) (local.get $rows) (i32.const 0) (local.get $cols)
      (local.get $dst) (local.get $dstStride)))

  ;; transpose_into's element-by-element part: rows [r0, r1), columns [q0, cols).
  (func $transpose_scalar (param $src i32) (param $r0 i32) (param $r1 i32) (param $q0 i32) (param $cols i32)
    (param $dst i32) (param $dstStride i32)
    (local $r i32) (local $q i32)
    (local.set $r (local.get $r0))
    (block $rowsDone (loop $row
      (br_if $rowsDone (i32.ge_u (local.get $r) (local.get $r1)))
      (local.set $q (local.get $q0))
      (block $colsDone (loop $col
        (br_if $colsDone (i32.ge_u (local.get $q) (local.get $cols)))
        (f32.store
          (i32.add (local.get $dst) (i32.shl (i32.add (i32.mul (local.get $q) (local.get $dstStride)) (local.get $r)) (i32.const 2)))
          (f32.load (i32.add (local.get $src) (i32.shl (i32.add (i32.mul (local.get $r) (local.get $cols)) (local.get $q)) (i32.const 2)))))
        (local.set $q (i32.add (local.get $q) (i32.const 1)))
        (br $col)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $row))))

  ;; Copies n elements of each of `rows` rows: dst rows dstStride apart, src rows srcStride apart
  ;; (strides in elements).
  (func (export "copy_rows") (param $dst i32) (param $dstStride i32) (param $src i32) (param $srcStride i32)
    (param $rows i32) (param $n i32)
    (local $b i32)
    (block $done (loop $row
      (br_if $done (i32.ge_u (local.get $b) (local.get $rows)))
      (memory.copy
        (i32.add (local.get $dst) (i32.shl (i32.mul (local.get $b) (local.get $dstStride)) (i32.const 2)))
        (i32.add (local.get $src) (i32.shl (i32.mul (local.get $b) (local.get $srcStride)) (i32.const 2)))
        (i32.shl (local.get $n) (i32.const 2)))
      (local.set $b (i32.add (local.get $b) (i32.const 1)))
      (br $row))))
)
