/**
 * A realistic marketing newsletter of about 47 KB, generated here (no third-party
 * newsletter copied): the markup email builders produce — a doctype, a <head> with meta
 * tags and a responsive style sheet, a hidden preheader, nested layout tables with inline
 * styles, images, many tracked links, `&nbsp;` and `&amp;` entities, conditional comments
 * for Outlook, and a sender footer that links `{{unsubscribe_url}}` itself. The
 * 83-byte body of the bench hid the cost of the injection; this is the default body of the
 * injection bench and of its tests.
 */
const TOPICS = [
  ['Autumn novels for long evenings', 'Ten stories to read by the fire, chosen by our booksellers.'],
  ['Cooking with seasonal vegetables', 'Pumpkins, leeks and chestnuts: twelve recipes for the week.'],
  ['The history of the printed map', 'From Ptolemy to the ordnance survey, an illustrated journey.'],
  ['Gardening in small spaces', 'Balconies, windowsills and courtyards that flower all year.'],
  ['Children’s picture books', 'Our favourite new titles for readers aged three to seven.'],
  ['Poetry for every mood', 'Anthologies old and new, from sonnets to spoken word.'],
  ['Travel writing from the Alps', 'Walks, huts and villages described by those who live there.'],
  ['Crime fiction translated this year', 'Nordic, Italian and Japanese detectives arrive in French.'],
] as const;

const link = (path: string, campaign: number) =>
  `https://shop.example/${path}?utm_source=newsletter&amp;utm_medium=email&amp;utm_campaign=autumn-${campaign}`;

function article(index: number): string {
  const [title, summary] = TOPICS[index % TOPICS.length]!;
  const slug = `${title.toLowerCase().replace(/[^a-z]+/g, '-')}-${index}`;
  const books = Array.from(
    { length: 3 },
    (_, b) => `
                    <td class="col" width="33%" valign="top" style="padding:0 8px 16px 8px;font-family:Georgia,'Times New Roman',serif;font-size:14px;line-height:20px;color:#333333;">
                      <a href="${link(`books/${slug}/${b}`, index)}" target="_blank" style="text-decoration:none;color:#333333;">
                        <img src="https://cdn.shop.example/covers/${slug}-${b}.jpg" width="160" height="240" alt="Cover of book ${b + 1} in ${title}" style="display:block;border:0;outline:none;width:100%;max-width:160px;height:auto;margin:0 auto 8px auto;">
                      </a>
                      <p style="margin:0 0 4px 0;font-weight:bold;">Book ${b + 1}&nbsp;&middot;&nbsp;${title}</p>
                      <p style="margin:0 0 8px 0;color:#777777;">${(12 + b * 3 + index).toFixed(2)}&nbsp;&euro; &ndash; in stock</p>
                      <a href="${link(`cart/add/${slug}-${b}`, index)}" style="display:inline-block;padding:8px 14px;background-color:#8a2b06;color:#ffffff;border-radius:4px;text-decoration:none;font-family:Arial,Helvetica,sans-serif;font-size:13px;">Add to basket</a>
                    </td>`,
  ).join('');
  return `
          <tr>
            <td class="section" style="padding:24px 24px 8px 24px;background-color:#ffffff;">
              <table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0">
                <tr>
                  <td style="padding:0 8px 12px 8px;">
                    <h2 style="margin:0 0 8px 0;font-family:Georgia,'Times New Roman',serif;font-size:22px;line-height:28px;color:#1a1a1a;font-weight:normal;">
                      <a href="${link(`collections/${slug}`, index)}" style="color:#1a1a1a;text-decoration:none;">${title}</a>
                    </h2>
                    <p style="margin:0;font-family:Arial,Helvetica,sans-serif;font-size:15px;line-height:22px;color:#555555;">${summary} Free delivery from 35&nbsp;&euro; &amp; returns within 30 days.</p>
                  </td>
                </tr>
                <tr>${books}
                </tr>
              </table>
            </td>
          </tr>`;
}

function newsletterHtml(articles: number): string {
  return `<!DOCTYPE html>
<html lang="en" xmlns="http://www.w3.org/1999/xhtml" xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <meta http-equiv="X-UA-Compatible" content="IE=edge">
  <meta name="x-apple-disable-message-reformatting">
  <title>Our autumn reading list</title>
  <!--[if mso]><xml><o:OfficeDocumentSettings><o:PixelsPerInch>96</o:PixelsPerInch></o:OfficeDocumentSettings></xml><![endif]-->
  <style type="text/css">
    body, table, td, a { -webkit-text-size-adjust: 100%; -ms-text-size-adjust: 100%; }
    table, td { mso-table-lspace: 0pt; mso-table-rspace: 0pt; border-collapse: collapse; }
    img { -ms-interpolation-mode: bicubic; border: 0; height: auto; line-height: 100%; outline: none; text-decoration: none; }
    a[x-apple-data-detectors] { color: inherit !important; text-decoration: none !important; }
    .preheader { display: none !important; visibility: hidden; opacity: 0; color: transparent; height: 0; width: 0; }
    @media screen and (max-width: 600px) {
      .container { width: 100% !important; }
      .col { display: block !important; width: 100% !important; }
      .section { padding: 16px 12px !important; }
    }
  </style>
</head>
<body style="margin:0;padding:0;background-color:#f4f1ec;">
  <div class="preheader" style="display:none;font-size:1px;line-height:1px;max-height:0;max-width:0;opacity:0;overflow:hidden;">Ten novels for long evenings, seasonal recipes and our booksellers’ favourites.&zwnj;&nbsp;&zwnj;&nbsp;&zwnj;&nbsp;</div>
  <table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="background-color:#f4f1ec;">
    <tr>
      <td align="center" style="padding:24px 0;">
        <!--[if mso]><table role="presentation" width="600" cellpadding="0" cellspacing="0" border="0"><tr><td><![endif]-->
        <table class="container" role="presentation" width="600" cellpadding="0" cellspacing="0" border="0" style="width:600px;max-width:600px;">
          <tr>
            <td style="padding:16px 24px;background-color:#1a1a1a;text-align:center;">
              <a href="${link('', 0)}"><img src="https://cdn.shop.example/logo.png" width="140" height="40" alt="Demo Shop" style="display:inline-block;border:0;"></a>
            </td>
          </tr>
          <tr>
            <td style="padding:0;">
              <a href="${link('autumn', 0)}"><img src="https://cdn.shop.example/hero-autumn.jpg" width="600" height="300" alt="Autumn books at Demo Shop" style="display:block;width:100%;height:auto;border:0;"></a>
            </td>
          </tr>
          <tr>
            <td style="padding:24px 32px 8px 32px;background-color:#ffffff;font-family:Georgia,'Times New Roman',serif;font-size:16px;line-height:24px;color:#333333;">
              <p style="margin:0 0 12px 0;">Dear reader,</p>
              <p style="margin:0 0 12px 0;">The evenings draw in, the first fires are lit, and our booksellers have spent the summer reading so that you can spend the autumn doing the same. This month we gathered their favourites into eight short lists: novels and recipes, maps and gardens, poems and mountain walks, and a few crimes solved far from home.</p>
              <p style="margin:0 0 12px 0;">Every title below is in stock in our Paris shop and ships within two working days. Members of our reading club get 5&nbsp;% off each order and an invitation to our monthly meetings &mdash; <a href="${link('club', 0)}" style="color:#8a2b06;">join here</a>, it is free.</p>
              <p style="margin:0;">Happy reading,<br><em>The Demo Shop team</em></p>
            </td>
          </tr>${Array.from({ length: articles }, (_, i) => article(i)).join('')}
          <tr>
            <td style="padding:24px;background-color:#efe9df;font-family:Arial,Helvetica,sans-serif;font-size:12px;line-height:18px;color:#666666;text-align:center;">
              <p style="margin:0 0 8px 0;">Demo Shop &middot; 12 rue des Libraires &middot; 75005 Paris &middot; France</p>
              <p style="margin:0 0 8px 0;">You receive this email because you subscribed to our newsletter on shop.example.</p>
              <p style="margin:0;"><a href="{{unsubscribe_url}}" style="color:#666666;text-decoration:underline;">Unsubscribe</a> &nbsp;|&nbsp; <a href="${link('account/preferences', 0)}" style="color:#666666;text-decoration:underline;">Email preferences</a> &nbsp;|&nbsp; <a href="${link('privacy', 0)}" style="color:#666666;text-decoration:underline;">Privacy policy</a></p>
            </td>
          </tr>
        </table>
        <!--[if mso]></td></tr></table><![endif]-->
      </td>
    </tr>
  </table>
</body>
</html>
`;
}

/** About 47 KB (checked by its test): eight sections of three books each. */
export const NEWSLETTER_HTML = newsletterHtml(8);
