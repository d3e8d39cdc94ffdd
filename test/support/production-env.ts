// The auction house's account that production requires (server/config.ts), for tests that load a
// production configuration.
export const PAYMENT_ACCOUNT = {
  PAYMENT_ACCOUNT_BANK: 'Ngân hàng TMCP Ngoại thương Việt Nam',
  PAYMENT_ACCOUNT_BIN: '970436',
  PAYMENT_ACCOUNT_NUMBER: '0011004455667',
  PAYMENT_ACCOUNT_HOLDER: 'CONG TY DAU GIA HOP DANH',
};
