/** Published numbers of MGTL (paper 000), Tables 2 and 3, with how ours compare (lib/models/mgtl.ts). */
/**
 * The paper's complexity numbers (Tables 2, 3) beside ours. Ours: full width, L = 6, 6 heads,
 * 128x640 inputs (W' = 20); FLOPs here are 2 x MACs (this codebase's convention).
 */
export const MGTL_PUBLISHED = {
  params: {
    vgg16Only: { value: 29.42e6, ref: 'Table 2, row 1' },
    woCmi: { value: 50.92e6, ref: 'Table 2, row 2 (w/o CMI)' },
    full: { value: 79.27e6, ref: 'Table 2, row 3 (w/ CMI)' },
    fullTable3: { value: 72.29e6, ref: 'Table 3 (MGTL, VGG16), the same model as Table 2 row 3' },
  },
  flops: {
    vgg16Only: { value: 4.01e9, ref: 'Table 2, row 1' },
    woCmi: { value: 4.16e9, ref: 'Table 2, row 2' },
    full: { value: 4.43e9, ref: 'Table 2, row 3' },
  },
  explanation: [
    'Table 2 row 1 (29.42M) = two VGG16 `features` blocks, 2 x 14,714,688 = 29,429,376 (29.43M; the paper truncates).',
    'Table 2 full − w/o = 28.35M; ours: 12 generators (L = 6 steps x G2S, S2G), each four FC layers c→4c→c, c→4c→c (2,363,136), 28,357,632: CMI matches to 0.01M.',
    "Table 2 w/o − VGG16 = 21.50M; ours with the paper's Eq. 2, 4–5 only (2 FC 512→384, 2 PE 20x384, 12 blocks of MH + 2 LN) is 7,524,096 (w/o CMI 36.95M, full 65.31M); with a 4c feed-forward in each GKST block (option ffn, not in the equations) 21,712,128 (w/o CMI 51.14M vs 50.92M, full 79.50M vs 79.27M).",
    'Table 3 (72.29M) differs from Table 2 (79.27M) by 6.98M for the same model; no part of ours gives it exactly (12 MH blocks are 7.10M, 6 generators 14.18M): unexplained.',
    'FLOPs (Table 2: 4.01G / 4.16G / 4.43G): VGG16 alone is 20.04 GMACs per 128x512 image and 25.06 GMACs per 128x640 image (2 branches at 128x640: 100.2 GFLOPs at 2 x MACs); 4.01G fits no CVGL input size (as MACs: about 13,100 pixels over both branches, 305,856 MACs per pixel). The increments look like MACs: ours w/o CMI adds 0.153 GMACs (FC + 12 attention blocks on 20 tokens; paper +0.15G); the 12 generators add 0.566 GMACs (paper +0.27G, unexplained; 1.00 GMACs with ffn).',
  ],
} as const;
